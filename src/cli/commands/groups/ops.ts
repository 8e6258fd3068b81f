import type { CommandClass } from 'clipanion';
import { DashboardCommand } from '../dashboard.js';
import { EventsCommand } from '../events.js';
import { HistoryCommand } from '../history.js';
import { RollbackCommand } from '../rollback.js';

/** Day-two commands: rolling back, revisions, events, the dashboard. Each lives in its own file under src/cli/commands/. */
export const opsCommands: CommandClass[] = [RollbackCommand, HistoryCommand, EventsCommand, DashboardCommand];
