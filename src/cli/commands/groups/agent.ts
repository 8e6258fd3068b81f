import type { CommandClass } from 'clipanion';
import { AgentCommand } from '../agent.js';
import { AttachCommand } from '../attach.js';
import { BuildCommand } from '../build.js';
import { CpCommand } from '../cp.js';
import { CreateCommand } from '../create.js';
import { DialStdioCommand } from '../dial-stdio.js';
import { DownCommand } from '../down.js';
import { ExecCommand } from '../exec.js';
import { ImagesCommand } from '../images.js';
import { InspectCommand } from '../inspect.js';
import { KillCommand } from '../kill.js';
import { LogsCommand } from '../logs.js';
import { LsCommand } from '../ls.js';
import { PortCommand } from '../port.js';
import { PsCommand } from '../ps.js';
import { PullCommand } from '../pull.js';
import { RmCommand } from '../rm.js';
import { RunCommand } from '../run.js';
import { ScaleCommand } from '../scale.js';
import { PauseCommand, RestartCommand, StartCommand, StopCommand, UnpauseCommand } from '../services-op.js';
import { StatsCommand } from '../stats.js';
import { TopCommand } from '../top.js';
import { UpCommand } from '../up.js';
import { VersionCommand } from '../version.js';
import { WaitCommand } from '../wait.js';

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
  ScaleCommand,
  KillCommand,
  PortCommand,
  ImagesCommand,
  InspectCommand,
  TopCommand,
  PauseCommand,
  UnpauseCommand,
  PullCommand,
  BuildCommand,
  RunCommand,
  RmCommand,
  CreateCommand,
  CpCommand,
  StatsCommand,
  WaitCommand,
  AttachCommand,
  DialStdioCommand,
];
