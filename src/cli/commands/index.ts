import type { CommandClass } from 'clipanion';
import { agentCommands } from './groups/agent.js';
import { clusterCommands } from './groups/cluster.js';
import { composeCommands } from './groups/compose.js';
import { securityCommands } from './groups/security.js';

/**
 * Every command of the CLI. Commands live one per file under this folder; each group file
 * lists its own, so work on one group never touches another's list.
 */
export const commands: CommandClass[] = [
  ...composeCommands,
  ...agentCommands,
  ...clusterCommands,
  ...securityCommands,
];
