import type { CommandClass } from 'clipanion';
import { AgentCommand } from '../agent.js';
import { DownCommand } from '../down.js';
import { ExecCommand } from '../exec.js';
import { LogsCommand } from '../logs.js';
import { LsCommand } from '../ls.js';
import { PsCommand } from '../ps.js';
import { RestartCommand, StartCommand, StopCommand } from '../services-op.js';
import { UpCommand } from '../up.js';
import { VersionCommand } from '../version.js';

/** The agent commands and the single-node project commands that go through the agent. */
export const agentCommands: CommandClass[] = [
  UpCommand,
  DownCommand,
  PsCommand,
  LogsCommand,
  StartCommand,
  StopCommand,
  RestartCommand,
  AgentCommand,
  VersionCommand,
  ExecCommand,
  LsCommand,
];
