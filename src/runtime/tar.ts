/**
 * A minimal tar writer (POSIX ustar, with PAX records for long names and big files): what
 * a build context needs, and nothing else. Owner and group are 0, as the docker CLI sends
 * them. Pure: entries in, buffers out.
 */

export interface TarEntry {
  /** `/`-separated path inside the archive; directories without their trailing slash. */
  name: string;
  type: 'file' | 'dir' | 'symlink';
  /** Permission bits. */
  mode: number;
  /** Seconds since the epoch. */
  mtime: number;
  /** Bytes of a file's data. */
  size?: number;
  /** A symlink's target. */
  linkname?: string;
}

const BLOCK = 512;
const USTAR_MAX_SIZE = 0o77777777777;

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

function writeString(buf: Buffer, text: string, offset: number, length: number): void {
  buf.write(text, offset, Math.min(length, Buffer.byteLength(text)), 'utf8');
}

function header(
  name: string,
  typeflag: string,
  mode: number,
  mtime: number,
  size: number,
  linkname = '',
): Buffer {
  const h = Buffer.alloc(BLOCK);
  writeString(h, name, 0, 100);
  writeString(h, octal(mode & 0o7777, 8), 100, 8);
  writeString(h, octal(0, 8), 108, 8);
  writeString(h, octal(0, 8), 116, 8);
  writeString(h, octal(Math.min(size, USTAR_MAX_SIZE), 12), 124, 12);
  writeString(h, octal(Math.max(0, Math.floor(mtime)), 12), 136, 12);
  h.fill(' ', 148, 156);
  writeString(h, typeflag, 156, 1);
  writeString(h, linkname, 157, 100);
  writeString(h, 'ustar\0', 257, 6);
  writeString(h, '00', 263, 2);
  let sum = 0;
  for (const b of h) sum += b;
  writeString(h, `${sum.toString(8).padStart(6, '0')}\0 `, 148, 8);
  return h;
}

/** `"%d key=value\n"`, where %d counts the whole record, its own digits included. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let len = Buffer.byteLength(body);
  let digits = String(len).length;
  while (String(len + digits).length !== digits) digits++;
  len += digits;
  return `${len}${body}`;
}

/** The padding after `size` bytes of data, up to the next block. */
export function padding(size: number): Buffer {
  const rest = size % BLOCK;
  return Buffer.alloc(rest === 0 ? 0 : BLOCK - rest);
}

/** The header block(s) of an entry: a PAX extended header first when the names or the size do not fit. */
export function entryHeader(entry: TarEntry): Buffer {
  const name = entry.type === 'dir' ? `${entry.name}/` : entry.name;
  const size = entry.type === 'file' ? (entry.size ?? 0) : 0;
  const link = entry.linkname ?? '';
  const records: string[] = [];
  if (Buffer.byteLength(name) > 100) records.push(paxRecord('path', name));
  if (Buffer.byteLength(link) > 100) records.push(paxRecord('linkpath', link));
  if (size > USTAR_MAX_SIZE) records.push(paxRecord('size', String(size)));
  const flag = entry.type === 'dir' ? '5' : entry.type === 'symlink' ? '2' : '0';
  const main = header(name, flag, entry.mode, entry.mtime, size, link);
  if (records.length === 0) return main;
  const data = Buffer.from(records.join(''), 'utf8');
  const short = name.split('/').filter(Boolean).pop() ?? 'entry';
  const pax = header(`PaxHeader/${short}`.slice(0, 99), 'x', 0o644, entry.mtime, data.length);
  return Buffer.concat([pax, data, padding(data.length), main]);
}

/** The two zero blocks that end an archive. */
export function endOfArchive(): Buffer {
  return Buffer.alloc(2 * BLOCK);
}
