/** Running the system tools the mesh drives (`ip`, `wg`, `wireguard-go`, `iptables-restore`). */
import { spawn } from 'node:child_process';

/** A tool that failed or is not installed; `command` names it, `stderr` says why. */
export class MeshCommandError extends Error {
  override readonly name = 'MeshCommandError';
  constructor(
    readonly command: string,
    readonly stderr: string,
    options?: ErrorOptions,
  ) {
    super(`${command}: ${stderr.trim() || 'failed'}`, options);
  }
}

export type CommandRunner = (argv: string[], input?: string) => Promise<string>;

/** Runs argv, feeding `input` on stdin; resolves with stdout, rejects with MeshCommandError. */
export const runCommand: CommandRunner = (argv, input) =>
  new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), {
      stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.on('error', (e) => reject(new MeshCommandError(argv.join(' '), e.message, { cause: e })));
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new MeshCommandError(argv.join(' '), err || `exit ${code}`)),
    );
    if (child.stdin) {
      // A tool that exits before reading its input must not crash the agent with EPIPE.
      child.stdin.on('error', () => {});
      child.stdin.end(input);
    }
  });
