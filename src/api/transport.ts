/**
 * How the CLI's requests reach an agent: its unix socket, or byte streams a dialer opens
 * (`fizz --host ssh://…` dials through a child `ssh`, src/cli/ssh-host.ts). Dialed streams
 * are kept alive between the requests of one command, so `fizz ps` (info, then ps) pays
 * for one ssh connection, not two.
 */
import { Agent, type RequestOptions } from 'node:http';
import type { Duplex } from 'node:stream';

/** Opens a byte stream to an agent's API. */
export type Dialer = () => Duplex;

/** An HTTP agent whose connections `dial` opens, reused while the command runs. */
export class DialAgent extends Agent {
  constructor(private readonly dial: Dialer) {
    super({ keepAlive: true });
  }

  override createConnection(): Duplex {
    return this.dial();
  }
}

/**
 * The `http.request` options that send a request through `agent`, else to `socket`. An empty
 * `servername` (a TLS option, unused here) spares Node's HTTP agent from working one out of
 * the host: that test compiles the IPv6 address regex, ~5 ms of every command's first request.
 */
export function transportOptions(socket: string, agent?: DialAgent): RequestOptions {
  const to: RequestOptions & { servername: string } = agent
    ? { agent, servername: '' }
    : { socketPath: socket, servername: '' };
  return to;
}
