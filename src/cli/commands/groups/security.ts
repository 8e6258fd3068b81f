import type { CommandClass } from 'clipanion';
import { KeyRotateCommand } from '../key-rotate.js';
import { NodeRmCommand } from '../node-rm.js';
import { ConfigCreateCommand, SecretCreateCommand } from '../object-create.js';
import { ConfigLsCommand, SecretLsCommand } from '../object-ls.js';
import { ConfigRmCommand, SecretRmCommand } from '../object-rm.js';
import { TokenRevokeCommand } from '../token-revoke.js';

/** The secrets and configs commands (and, later, tokens and keys). Each lives in its own file. */
export const securityCommands: CommandClass[] = [
  SecretCreateCommand,
  SecretLsCommand,
  SecretRmCommand,
  ConfigCreateCommand,
  ConfigLsCommand,
  ConfigRmCommand,
  TokenRevokeCommand,
  NodeRmCommand,
  KeyRotateCommand,
];
