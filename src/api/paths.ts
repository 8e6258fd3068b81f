/**
 * Where an agent keeps its state and listens: FIZZ_HOME and the API socket inside it.
 * Shared by the agent (which creates them) and the CLI (which connects).
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface HomeEnv {
  FIZZ_HOME?: string;
  XDG_STATE_HOME?: string;
  HOME?: string;
}

/**
 * FIZZ_HOME: the variable when set; /var/lib/fizz for root; otherwise
 * $XDG_STATE_HOME/fizz or ~/.local/state/fizz (state, not config: it holds the CRDT log).
 */
export function resolveFizzHome(env: HomeEnv, uid: number): string {
  if (env.FIZZ_HOME) return env.FIZZ_HOME;
  if (uid === 0) return '/var/lib/fizz';
  if (env.XDG_STATE_HOME) return join(env.XDG_STATE_HOME, 'fizz');
  return join(env.HOME || homedir(), '.local', 'state', 'fizz');
}

export interface HomePaths {
  home: string;
  /** The local API: a unix socket, mode 0600. */
  socket: string;
  /** The agent's own log when the CLI started it in the background. */
  log: string;
  /** The pid of the running agent. */
  pid: string;
  /** The durable desired state (CRDT update log). */
  state: string;
}

export function homePaths(home: string): HomePaths {
  return {
    home,
    socket: join(home, 'agent.sock'),
    log: join(home, 'agent.log'),
    pid: join(home, 'agent.pid'),
    state: join(home, 'state'),
  };
}
