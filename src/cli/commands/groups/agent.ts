import type { CommandClass } from 'clipanion';

/** The agent commands. Each lives in its own file under src/cli/commands/. */
export const agentCommands: CommandClass[] = [];
