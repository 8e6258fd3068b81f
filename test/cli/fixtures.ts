/** Helpers shared by the CLI tests (no tests here). */
import { PassThrough } from 'node:stream';
import { Cli } from 'clipanion';
import { buildCli } from '../../src/cli/main.js';

/**
 * Runs the CLI in process with `argv`, with a FIZZ_HOME that does not exist (so nothing can
 * reach an agent), and returns its exit code and what it printed on stdout and stderr.
 */
export async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => {
    out += d;
  });
  stderr.on('data', (d) => {
    err += d;
  });
  const code = await buildCli(false).run(argv, {
    ...Cli.defaultContext,
    stdout,
    stderr,
    env: { ...process.env, FIZZ_HOME: '/nonexistent/fizz-test-home' },
    colorDepth: 1,
  });
  return { code, out, err };
}
