/** Runs the fizz CLI in this process, with its own streams and environment. */
import { PassThrough } from 'node:stream';
import { buildCli } from '../../src/cli/main.js';

/** Runs the CLI in this process with a clean environment; returns exit code and output. */
export async function runFizz(args: string[], env: Record<string, string> = {}, stdinText?: string) {
  const stdin = new PassThrough();
  stdin.end(stdinText ?? '');
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c) => {
    out += c;
  });
  stderr.on('data', (c) => {
    err += c;
  });
  const code = await buildCli().run(args, { stdin, stdout, stderr, env, colorDepth: 1 });
  return { code, out, err };
}
