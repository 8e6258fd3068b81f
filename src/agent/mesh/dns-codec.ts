/**
 * The little of the DNS wire format (RFC 1035) the mesh's resolver needs: read one question,
 * write an answer with A records. Every byte of a query is hostile: a malformed one gives a
 * `DnsFormatError`, never an exception of another kind or a read out of bounds. Pure.
 */

export const TYPE_A = 1;
export const TYPE_AAAA = 28;
export const CLASS_IN = 1;
export const RCODE_OK = 0;
export const RCODE_FORMERR = 1;
export const RCODE_NXDOMAIN = 3;

/** A query that is not one well-formed question. */
export class DnsFormatError extends Error {
  override readonly name = 'DnsFormatError';
}

export interface DnsQuestion {
  id: number;
  /** Recursion desired, echoed in the answer. */
  rd: boolean;
  /** Lower case, no trailing dot. */
  name: string;
  type: number;
  cls: number;
  /** Where the question section ends (the answer copies the question's bytes). */
  end: number;
}

/** Reads the header and the only question of a query. */
export function parseQuery(buf: Buffer): DnsQuestion {
  if (buf.length < 12) throw new DnsFormatError('shorter than a DNS header');
  const flags = buf.readUInt16BE(2);
  if (flags & 0x8000) throw new DnsFormatError('not a query');
  if (buf.readUInt16BE(4) !== 1) throw new DnsFormatError('not exactly one question');
  const labels: string[] = [];
  let at = 12;
  for (;;) {
    if (at >= buf.length) throw new DnsFormatError('name runs past the end');
    const len = buf[at]!;
    at += 1;
    if (len === 0) break;
    // Compression pointers cannot appear in the first name of a message.
    if (len > 63) throw new DnsFormatError('bad label length');
    if (at + len > buf.length) throw new DnsFormatError('label runs past the end');
    labels.push(buf.toString('latin1', at, at + len).toLowerCase());
    at += len;
    if (labels.join('.').length > 253) throw new DnsFormatError('name too long');
  }
  if (at + 4 > buf.length) throw new DnsFormatError('question runs past the end');
  return {
    id: buf.readUInt16BE(0),
    rd: (flags & 0x0100) !== 0,
    name: labels.join('.'),
    type: buf.readUInt16BE(at),
    cls: buf.readUInt16BE(at + 2),
    end: at + 4,
  };
}

/** The largest answer over UDP without EDNS (RFC 1035 §4.2.1); over TCP, 65535. */
export const UDP_ANSWER_MAX = 512;
export const TCP_ANSWER_MAX = 65535;
const RECORD_BYTES = 16;

/**
 * The answer to `q` (whose bytes are `query`): `addresses` as A records, or `rcode`. At
 * most `maxBytes` long: the records that do not fit are left out and the answer says it
 * is truncated (TC), so the client asks again over TCP (RFC 7766), as resolvers do.
 */
export function buildAnswer(
  query: Buffer,
  q: DnsQuestion,
  addresses: string[],
  rcode: number,
  ttl = 0,
  maxBytes = TCP_ANSWER_MAX,
): Buffer {
  const fit = Math.max(0, Math.floor((maxBytes - q.end) / RECORD_BYTES));
  const truncated = addresses.length > fit;
  if (truncated) addresses = addresses.slice(0, fit);
  const header = Buffer.alloc(12);
  header.writeUInt16BE(q.id, 0);
  // QR, authoritative, TC when truncated, recursion available, the query's RD.
  header.writeUInt16BE(
    0x8000 | 0x0400 | (truncated ? 0x0200 : 0) | (q.rd ? 0x0100 : 0) | 0x0080 | (rcode & 0xf),
    2,
  );
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(addresses.length, 6);
  const records = addresses.map((ip) => {
    const r = Buffer.alloc(RECORD_BYTES);
    r.writeUInt16BE(0xc00c, 0); // the name: a pointer to the question's
    r.writeUInt16BE(TYPE_A, 2);
    r.writeUInt16BE(CLASS_IN, 4);
    r.writeUInt32BE(ttl, 6);
    r.writeUInt16BE(4, 10);
    ip.split('.').forEach((p, i) => {
      r[12 + i] = Number(p);
    });
    return r;
  });
  return Buffer.concat([header, query.subarray(12, q.end), ...records]);
}

/** A FORMERR answer to whatever came, when even the header is unreadable. */
export function formatErrorAnswer(query: Buffer): Buffer | undefined {
  if (query.length < 2) return undefined;
  const header = Buffer.alloc(12);
  header.writeUInt16BE(query.readUInt16BE(0), 0);
  header.writeUInt16BE(0x8000 | RCODE_FORMERR, 2);
  return header;
}
