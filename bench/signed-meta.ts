/**
 * signed-meta: what signing member metadata costs. Ed25519 sign and verify of one alive's
 * metadata (`@noble/curves`, src/agent/membership/signed-meta.ts), and N SWIM nodes joining
 * through one seed in simulated time with and without signatures (median over seeds): the
 * same protocol, so about the same simulated time to full membership (the tail is one node
 * that missed an update and waits for a push-pull, which varies with the seed); the
 * difference is the CPU the run took: about one verification per node and member.
 *   npm run bench -- signed-meta [--nodes 50] [--runs 300] [--seeds 5]
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { selfMeta } from '../src/agent/membership/member-view.js';
import { Ed25519MetaSigner } from '../src/agent/membership/signed-meta.js';
import { encodeMeta } from '../swim/metadata.js';
import { SimCluster } from '../swim/sim-cluster.js';
import { type Benchmark, median, parseOptions, round, timeRuns } from './benchmark.js';

/** Joins `nodes` through n0; simulated ms until every node sees every other alive, and CPU ms. */
function join(
  nodes: number,
  seed: number,
  signed: boolean,
): { simMs: number; cpuMs: number; forged: number } {
  const secret = (name: string) => {
    const b = new Uint8Array(32);
    b.set(new TextEncoder().encode(name.padEnd(32, '.')).subarray(0, 32));
    return b;
  };
  const keys = new Map<string, Uint8Array>();
  for (let i = 0; i < nodes; i++) keys.set(`n${i}`, ed25519.getPublicKey(secret(`n${i}`)));
  const started = performance.now();
  const c = new SimCluster({
    nodes,
    seed,
    bootstrap: false,
    ...(signed
      ? {
          signer: (name: string) =>
            new Ed25519MetaSigner({ clusterId: 'sim', secretKey: secret(name), keyOf: (n) => keys.get(n) }),
        }
      : {}),
  });
  const step = 50;
  let t = 0;
  const full = () => [...c.nodes.values()].every((s) => s.numLive === nodes);
  while (!full() && t < 60_000) {
    c.run(step);
    t += step;
  }
  const forged = [...c.nodes.values()].reduce((n, s) => n + s.stats.dropped.forged, 0);
  return { simMs: t, cpuMs: performance.now() - started, forged };
}

const bench: Benchmark = {
  name: 'signed-meta',
  description: 'cost of Ed25519-signed member metadata: sign, verify, and a simulated join with and without',
  async run(args) {
    const o = parseOptions(args);
    const nodes = Number(o.get('nodes') ?? 50);
    const runs = Number(o.get('runs') ?? 300);
    const seeds = Number(o.get('seeds') ?? 5);
    const sk = new Uint8Array(32).fill(7);
    const signer = new Ed25519MetaSigner({
      clusterId: 'bench',
      secretKey: sk,
      keyOf: () => ed25519.getPublicKey(sk),
    });
    const meta = encodeMeta(
      selfMeta({
        multiaddr: '/ip4/10.0.0.1/tcp/7171',
        version: '0.1.0',
        labels: { zone: 'a' },
        resources: { cpus: 2, memory: 4e9 },
        displayName: 'h1',
      }),
      512,
    );
    const wire = signer.sign('node-1', 7, '10.0.0.1:7171', meta);
    const signMs = median(timeRuns(runs, 10, () => signer.sign('node-1', 7, '10.0.0.1:7171', meta)));
    const verifyMs = median(timeRuns(runs, 10, () => signer.open('node-1', 7, '10.0.0.1:7171', wire)));
    const over = (signedRun: boolean) => {
      const r = Array.from({ length: seeds }, (_, i) => join(nodes, i + 1, signedRun));
      return {
        simMs: median(r.map((x) => x.simMs)),
        cpuMs: median(r.map((x) => x.cpuMs)),
        forged: r.reduce((n, x) => n + x.forged, 0),
      };
    };
    const plain = over(false);
    const signed = over(true);
    return {
      rows: [
        [
          'sign, median',
          `${round(signMs, 3)} ms`,
          `${meta.length} B of metadata; ${wire.length - meta.length} B added`,
        ],
        ['verify, median', `${round(verifyMs, 3)} ms`, `${runs} runs`],
        [
          `${nodes} nodes join, unsigned`,
          `${plain.simMs} ms simulated`,
          `${round(plain.cpuMs, 0)} ms CPU (medians of ${seeds} seeds)`,
        ],
        [
          `${nodes} nodes join, signed`,
          `${signed.simMs} ms simulated`,
          `${round(signed.cpuMs, 0)} ms CPU; ${signed.forged} dropped as forged`,
        ],
      ],
      json: {
        nodes,
        seeds,
        sign_ms: round(signMs, 3),
        verify_ms: round(verifyMs, 3),
        bytes_added: wire.length - meta.length,
        join_sim_ms_unsigned: plain.simMs,
        join_sim_ms_signed: signed.simMs,
        join_cpu_ms_unsigned: round(plain.cpuMs, 0),
        join_cpu_ms_signed: round(signed.cpuMs, 0),
        forged_in_signed_join: signed.forged,
      },
    };
  },
};

export default bench;
