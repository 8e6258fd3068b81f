import type { CommandClass } from 'clipanion';

/** The compose commands. Each lives in its own file under src/cli/commands/. */
export const composeCommands: CommandClass[] = [];
