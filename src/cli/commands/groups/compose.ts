import type { CommandClass } from 'clipanion';
import { ConfigCommand } from '../config.js';
import { ValidateCommand } from '../validate.js';

/** The compose commands. Each lives in its own file under src/cli/commands/. */
export const composeCommands: CommandClass[] = [ConfigCommand, ValidateCommand];
