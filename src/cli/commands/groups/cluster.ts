import type { CommandClass } from 'clipanion';

/** The cluster commands. Each lives in its own file under src/cli/commands/. */
export const clusterCommands: CommandClass[] = [];
