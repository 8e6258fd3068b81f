/**
 * Helpers shared by the agent tests (no tests here): services and projects, an Agent on
 * FakeRuntime and an in-memory ClusterState with the tests' timings, and polling.
 */
import assert from 'node:assert/strict';
import { ClusterState } from '../../crdt/index.js';
import { Agent, type AgentOptions } from '../../src/agent/agent.js';
import { systemClock } from '../../src/agent/clock.js';
import { silentLogger } from '../../src/agent/logger.js';
import type { ProjectSpec, ServiceSpec } from '../../src/compose/types.js';
import { place } from '../../src/placement/index.js';
import { FakeRuntime } from '../../src/runtime/fake.js';
import { project as namedProject } from '../reconcile/fixtures.js';

export { service } from '../reconcile/fixtures.js';

/** A project of these services, named `demo` unless told, on its default network. */
export function project(services: Record<string, ServiceSpec>, name = 'demo'): ProjectSpec {
  return namedProject(name, services);
}

/** An empty in-memory desired state of node n1. */
export function newState(): ClusterState {
  return new ClusterState({ nodeId: 'n1', clock: () => Date.now() });
}

export type TestAgentOptions<R extends FakeRuntime> = Partial<Omit<AgentOptions, 'runtime' | 'state'>> & {
  runtime?: R;
  state?: ClusterState;
};

/**
 * An agent of node n1 on `runtime` (a new FakeRuntime unless given) and `state` (a new one
 * unless given): its loop ticks hourly so only the test drives it, it polls every 5 ms and
 * waits 5 s for a dependency; any other option can be overridden.
 */
export function testAgent<R extends FakeRuntime = FakeRuntime>(
  opts: TestAgentOptions<R> = {},
): { agent: Agent; runtime: R; state: ClusterState } {
  const { runtime = new FakeRuntime() as R, state = newState(), ...overrides } = opts;
  const agent = new Agent({
    nodeId: 'n1',
    home: '/nowhere',
    version: 'test',
    state,
    flush: async () => {},
    runtime,
    clock: systemClock,
    logger: silentLogger(),
    tickMs: 3_600_000,
    pollMs: 5,
    dependencyTimeoutMs: 5_000,
    place,
    ...overrides,
  });
  return { agent, runtime, state };
}

/** Polls `check` every `everyMs` until it holds, or fails after `tries` polls. */
export async function until(check: () => boolean, what: string, everyMs = 5, tries = 400): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`never: ${what}`);
}

/** A signal that never aborts. */
export const signal = new AbortController().signal;

/** Awaits an operation and asserts it ended ok, with its errors as the message. */
export async function ok(p: Promise<{ ok: boolean; errors: string[] }>): Promise<void> {
  const done = await p;
  assert.equal(done.ok, true, done.errors.join('; '));
}
