/**
 * The server sides of the `mesh-alternatives` benchmark, each run in a host's network
 * namespace until killed:
 *   node relay.js echo PORT                          a TCP echo
 *   node relay.js tls-in PORT TARGET_PORT PSK        TLS (PSK, AES-128-GCM) in, plain TCP to 127.0.0.1:TARGET_PORT
 *   node relay.js tls-out PORT HOST TLS_PORT PSK     plain TCP in on 127.0.0.1, TLS to HOST:TLS_PORT
 * The TLS pair is the "userspace encrypting proxy" way across hosts: OpenSSL's AES-GCM (with
 * AES-NI), one connection across per connection in. Prints "ready" once it listens.
 */
import { createServer, type Socket, connect as tcpConnect } from 'node:net';
import { connect as tlsConnect, createServer as tlsServer } from 'node:tls';

const [mode, ...args] = process.argv.slice(2);
const CIPHERS = 'PSK-AES128-GCM-SHA256';
const IDENTITY = 'fizz-bench';

function splice(a: Socket, b: Socket): void {
  a.pipe(b);
  b.pipe(a);
  const end = () => {
    a.destroy();
    b.destroy();
  };
  a.on('error', end).on('close', end);
  b.on('error', end).on('close', end);
}

const ready = () => process.stdout.write('ready\n');

if (mode === 'echo') {
  createServer((s) => {
    s.setNoDelay(true);
    s.pipe(s);
    s.on('error', () => s.destroy());
  }).listen(Number(args[0]), ready);
} else if (mode === 'tls-in') {
  const [port, target, psk] = args;
  tlsServer(
    {
      ciphers: CIPHERS,
      maxVersion: 'TLSv1.2',
      pskCallback: (_socket, identity) => (identity === IDENTITY ? Buffer.from(psk!, 'hex') : null),
    },
    (s) => {
      s.setNoDelay(true);
      const out = tcpConnect({ host: '127.0.0.1', port: Number(target), noDelay: true });
      splice(s, out);
    },
  ).listen(Number(port), ready);
} else if (mode === 'tls-out') {
  const [port, host, tlsPort, psk] = args;
  createServer((s) => {
    s.setNoDelay(true);
    const out = tlsConnect({
      host: host!,
      port: Number(tlsPort),
      ciphers: CIPHERS,
      maxVersion: 'TLSv1.2',
      checkServerIdentity: () => undefined,
      pskCallback: () => ({ psk: Buffer.from(psk!, 'hex'), identity: IDENTITY }),
    });
    out.setNoDelay(true);
    splice(s, out);
  }).listen(Number(port), '127.0.0.1', ready);
} else {
  process.stderr.write(
    'usage: relay.js echo PORT | tls-in PORT TARGET_PORT PSK | tls-out PORT HOST TLS_PORT PSK\n',
  );
  process.exit(2);
}
