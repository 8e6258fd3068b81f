/**
 * What the cluster tests share to drive hosts: `fizz` on a host that must succeed, and
 * waiting for a condition with a deadline (polled, never a bare sleep).
 */
import assert from 'node:assert/strict';
import type { Cluster } from './harness.js';

/** `fizz args…` on a host, in `cwd`; fails the test with its output unless it exits 0. */
export function fizzOn(
  cluster: Cluster,
  cwd: string,
  timeoutMs = 120_000,
): (host: string, args: string[]) => Promise<string> {
  return async (host, args) => {
    const r = await cluster.exec(host, ['fizz', ...args], { cwd, timeoutMs });
    assert.equal(r.code, 0, `${host}: fizz ${args.join(' ')}: ${r.stderr}${r.stdout}`);
    return r.stdout;
  };
}

/** Polls `ok` every 250 ms until it holds; fails the test after `ms`. */
export async function until(what: string, ok: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > deadline) assert.fail(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
