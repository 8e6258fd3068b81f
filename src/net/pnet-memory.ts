/**
 * A workaround for `xsalsa20` 1.2 (the cipher of @libp2p/pnet): its WebAssembly memory is
 * shared by every cipher of the process, each keeps a view of it, and one that grows it
 * leaves the others' views detached (length 0); their next chunk grows it again by the whole
 * chunk, and a few bulk streams at once (image transfers) run it into its 64 MiB ceiling and
 * tear the connections down. Grown once here, before any connection, to more than any chunk
 * a connection passes (the stream window is 2 MiB, cluster-net.ts), it never grows again.
 */
import { createRequire } from 'node:module';

const RESERVE = 16 * 1024 * 1024;

type Cipher = { update(input: Uint8Array): Uint8Array; finalize(): void };

export function reservePnetMemory(): void {
  const xsalsa20 = createRequire(import.meta.url)('xsalsa20') as (
    nonce: Uint8Array,
    key: Uint8Array,
  ) => Cipher;
  const c = xsalsa20(new Uint8Array(24), new Uint8Array(32));
  c.update(new Uint8Array(RESERVE));
  c.finalize();
}
