/**
 * Looking for a secret's value where it must not be: in files (FIZZ_HOME, an engine's data
 * root, a packet capture) as it is and base64-encoded at each of the three alignments, in
 * both alphabets. And a capture of a bridge with tcpdump, for the secrets tests.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { run, stopChild } from '../e2e/harness.js';
import type { Cluster } from './harness.js';
import { poll } from './sh.js';

/** The value and the base64 text that holds it wherever it sits in a longer encoded stream. */
export function encodedForms(value: string): string[] {
  const v = Buffer.from(value, 'utf8');
  const forms = new Set([value]);
  for (let k = 0; k < 3; k++) {
    const b64 = Buffer.concat([Buffer.alloc(k), v]).toString('base64');
    // Drop the characters the k pad bytes touch and the last group, which the bytes after
    // the value touch.
    const core = b64.slice(Math.ceil((k * 4) / 3), b64.length - 4);
    if (core.length >= 8) {
      forms.add(core);
      forms.add(core.replaceAll('+', '-').replaceAll('/', '_'));
    }
  }
  return [...forms];
}

/** The files under `paths` that hold any form of any of `values`, as "file: form". */
export async function clearTextHits(values: string[], paths: string[]): Promise<string[]> {
  const hits: string[] = [];
  for (const v of values)
    for (const form of encodedForms(v)) {
      const g = await run('grep', ['-rlF', '--binary-files=text', '--no-messages', '--', form, ...paths]);
      for (const f of g.stdout.split('\n').filter(Boolean)) hits.push(`${f}: ${form}`);
    }
  return hits;
}

/** Polls until the host runs a container of `project`; its id. */
export async function containerOn(
  cluster: Cluster,
  host: string,
  project: string,
  timeoutMs = 60_000,
): Promise<string> {
  const ls = ['docker', 'ps', '-q', '--filter', `label=fizz.project=${project}`];
  const id = await poll(
    async () => (await cluster.exec(host, ls)).stdout.trim() || undefined,
    timeoutMs,
    250,
  );
  if (!id) throw new Error(`no container of ${project} on ${host} within ${timeoutMs} ms`);
  return id;
}

export interface Capture {
  file: string;
  /** Stops tcpdump and waits until it has written everything. */
  stop(): Promise<void>;
}

/**
 * Starts tcpdump on `iface` and waits until it listens. Whole packets, handed over and written
 * one by one (`--immediate-mode`: without it the last second of packets waits in the kernel
 * and is lost when tcpdump is stopped).
 */
export async function capture(iface: string, file: string): Promise<Capture> {
  const child: ChildProcess = spawn(
    'tcpdump',
    ['-i', iface, '-n', '-s', '0', '--immediate-mode', '-U', '-w', file],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`tcpdump did not start: ${stderr}`)), 10_000);
    child.stderr!.on('data', (d) => {
      stderr += d;
      if (stderr.includes('listening on')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`tcpdump exited (${code}): ${stderr}`));
    });
  });
  return { file, stop: () => stopChild(child, 'SIGINT') };
}
