/**
 * How the CLI's requests reach an agent: its unix socket, or a byte stream opened for each
 * request (`fizz --host ssh://…` dials through a child `ssh`, src/cli/ssh-host.ts).
 */
import type { RequestOptions } from 'node:http';
import type { Duplex } from 'node:stream';

/** Opens a byte stream to an agent's API. */
export type Dialer = () => Duplex;

/** The `http.request` options that send a request over `dial`'s stream, else to `socket`. */
export function transportOptions(socket: string, dial?: Dialer): RequestOptions {
  return dial
    ? { createConnection: dial as unknown as RequestOptions['createConnection'] }
    : { socketPath: socket };
}
