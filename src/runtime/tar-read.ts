/**
 * A minimal tar reader for what the engine's archive endpoint sends (`fizz cp` out of a
 * container): ustar entries with PAX or GNU long names; files, directories and symlinks.
 * Every header is hostile: a name that is absolute or climbs out with `..` is refused, a
 * bad checksum ends the read with an error, and data is written as it arrives.
 */
import { createHash, type Hash } from 'node:crypto';
import { closeSync, fstatSync, mkdirSync, openSync, symlinkSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';

const BLOCK = 512;

/** The archive is not one Fizz can unpack safely. */
export class TarReadError extends Error {
  override readonly name = 'TarReadError';
}

export interface TarHeader {
  name: string;
  type: 'file' | 'dir' | 'symlink' | 'other';
  mode: number;
  size: number;
  linkname: string;
  /** With `hash`: a file's sha256 as written, and the inode it was written to. */
  sha256?: string;
  ino?: number;
}

function field(block: Buffer, offset: number, length: number): string {
  const raw = block.subarray(offset, offset + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end < 0 ? length : end).toString('utf8');
}

function octal(block: Buffer, offset: number, length: number, what: string): number {
  const text = field(block, offset, length).trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw new TarReadError(`tar header: ${what} "${text}" is not an octal number`);
  return Number.parseInt(text, 8);
}

function checksumOk(block: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : block[i]!;
  return sum === octal(block, 148, 8, 'checksum');
}

/** `"%d key=value\n"` records. */
function paxRecords(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    const len = Number(data.subarray(at, space).toString('ascii'));
    if (space < 0 || !Number.isInteger(len) || len <= 0 || at + len > data.length)
      throw new TarReadError('tar: a PAX record is malformed');
    const rec = data.subarray(space + 1, at + len - 1).toString('utf8');
    const eq = rec.indexOf('=');
    if (eq > 0) out[rec.slice(0, eq)] = rec.slice(eq + 1);
    at += len;
  }
  return out;
}

/** An entry's name as a relative path inside the destination; refuses one that would leave it. */
export function safeName(name: string): string {
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (name.startsWith('/') || parts.includes('..') || parts.length === 0)
    throw new TarReadError(`tar: entry "${name}" would be written outside the destination`);
  return parts.join('/');
}

/**
 * Unpacks `archive` under `dest`, the top entry's name replaced by `rootAs` when given
 * (`fizz cp web:/etc/hosts ./h` writes `./h`). Entries must share one top entry unless
 * `anyRoot` (an image archive has many). Returns the entries written; with `hash`, each
 * file's sha256 of the bytes written, hashed as they arrive, and its inode.
 */
export async function extractTar(
  archive: AsyncIterable<Buffer>,
  dest: string,
  rootAs?: string,
  opts: { anyRoot?: boolean; hash?: boolean } = {},
): Promise<TarHeader[]> {
  const written: TarHeader[] = [];
  let pending: Buffer = Buffer.alloc(0);
  let header: TarHeader | undefined;
  let remaining = 0;
  let pad = 0;
  let fd: number | undefined;
  let hash: { h: Hash; entry: TarHeader } | undefined;
  let meta: Buffer[] | undefined;
  let metaKind = '';
  let override: { path?: string; linkpath?: string; size?: number } = {};
  let root: string | undefined;
  let ended = false;

  const rename = (name: string): string => {
    const safe = safeName(name);
    const [top, ...rest] = safe.split('/');
    root ??= top;
    if (top !== root && !opts.anyRoot)
      throw new TarReadError(`tar: entry "${name}" is outside the copied path`);
    return opts.anyRoot ? safe : [rootAs ?? top!, ...rest].join('/');
  };

  const begin = (block: Buffer) => {
    if (!checksumOk(block)) throw new TarReadError('tar: a header fails its checksum');
    const flag = String.fromCharCode(block[156] ?? 0);
    const size = override.size ?? octal(block, 124, 12, 'size');
    let name = field(block, 0, 100);
    const prefix = field(block, 345, 155);
    if (field(block, 257, 5) === 'ustar' && prefix) name = `${prefix}/${name}`;
    if (flag === 'x' || flag === 'L' || flag === 'K' || flag === 'g') {
      meta = [];
      metaKind = flag;
      remaining = size;
      pad = (BLOCK - (size % BLOCK)) % BLOCK;
      header = undefined;
      return;
    }
    const type =
      flag === '0' || flag === '\0' || flag === '7'
        ? 'file'
        : flag === '5'
          ? 'dir'
          : flag === '2'
            ? 'symlink'
            : 'other';
    header = {
      name: override.path ?? name,
      type,
      mode: octal(block, 100, 8, 'mode') & 0o7777,
      size: type === 'file' ? size : 0,
      linkname: override.linkpath ?? field(block, 157, 100),
    };
    override = {};
    remaining = type === 'file' || type === 'other' ? size : 0;
    pad = (BLOCK - (remaining % BLOCK)) % BLOCK;
    if (type === 'other') return;
    const path = join(dest, rename(header.name));
    const entry = { ...header, name: path };
    written.push(entry);
    if (type === 'dir') mkdirSync(path, { recursive: true, mode: header.mode || 0o755 });
    else if (type === 'symlink') {
      mkdirSync(dirname(path), { recursive: true });
      symlinkSync(header.linkname, path);
    } else {
      mkdirSync(dirname(path), { recursive: true });
      fd = openSync(path, 'w', header.mode || 0o644);
      if (opts.hash) hash = { h: createHash('sha256'), entry };
    }
  };

  const endEntry = () => {
    if (fd !== undefined && hash) {
      hash.entry.sha256 = `sha256:${hash.h.digest('hex')}`;
      hash.entry.ino = fstatSync(fd).ino;
    }
    if (fd !== undefined) closeSync(fd);
    fd = undefined;
    hash = undefined;
    if (meta) {
      const data = Buffer.concat(meta);
      meta = undefined;
      if (metaKind === 'x') {
        const r = paxRecords(data);
        if (r.path !== undefined) override.path = r.path;
        if (r.linkpath !== undefined) override.linkpath = r.linkpath;
        if (r.size !== undefined) override.size = Number(r.size);
      } else if (metaKind === 'L') override.path = field(data, 0, data.length);
      else if (metaKind === 'K') override.linkpath = field(data, 0, data.length);
    }
  };

  try {
    for await (const chunk of archive) {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      for (;;) {
        if (ended) break;
        if (remaining > 0) {
          if (pending.length === 0) break;
          const take = pending.subarray(0, Math.min(remaining, pending.length));
          if (fd !== undefined) {
            writeSync(fd, take);
            hash?.h.update(take);
          } else if (meta) meta.push(Buffer.from(take));
          remaining -= take.length;
          pending = pending.subarray(take.length);
          if (remaining === 0 && pad === 0) endEntry();
          continue;
        }
        if (pad > 0) {
          if (pending.length < pad) break;
          pending = pending.subarray(pad);
          pad = 0;
          endEntry();
          continue;
        }
        if (pending.length < BLOCK) break;
        const block = pending.subarray(0, BLOCK);
        pending = pending.subarray(BLOCK);
        if (block.every((b) => b === 0)) {
          ended = true;
          break;
        }
        begin(block);
        if (remaining === 0 && pad === 0) endEntry();
      }
    }
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  if (!ended && (remaining > 0 || pad > 0))
    throw new TarReadError('tar: the archive ends in the middle of an entry');
  return written;
}
