import type { CommandClass } from 'clipanion';
import { ImageLsCommand } from '../image-ls.js';
import { ImagePushCommand } from '../image-push.js';
import { InitCommand } from '../init.js';
import { JoinCommand } from '../join.js';
import { LabelCommand } from '../label.js';
import { LeaveCommand } from '../leave.js';
import { NodesCommand } from '../nodes.js';
import { TokenCommand } from '../token.js';

/** The cluster commands. Each lives in its own file under src/cli/commands/. */
export const clusterCommands: CommandClass[] = [
  InitCommand,
  JoinCommand,
  TokenCommand,
  NodesCommand,
  LabelCommand,
  LeaveCommand,
  ImageLsCommand,
  ImagePushCommand,
];
