/**
 * Who may see the dashboard. On a loopback address: anyone on this machine whose browser
 * names a loopback host (a page from elsewhere that rebinds its DNS name to 127.0.0.1 names
 * its own host and is refused). Elsewhere: whoever presents the login token, as `?token=`
 * once (answered with a cookie), then the cookie, or an `Authorization: Bearer` header.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isLoopback } from './settings.js';

export const TOKEN_COOKIE = 'fizz_dashboard';

/** Equal strings, in time that does not depend on where they differ (both hashed to 32 bytes). */
export function sameToken(given: string, token: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(token).digest();
  return timingSafeEqual(a, b);
}

/** The value of one cookie of the request's Cookie header, if present. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}

/** The host part of a Host header (`127.0.0.1:7180`, `[::1]:7180`, `localhost`). */
export function hostOf(header: string | undefined): string {
  const h = (header ?? '').trim().toLowerCase();
  const v6 = /^\[([^\]]+)\]/.exec(h);
  if (v6) return v6[1]!;
  const i = h.lastIndexOf(':');
  return i < 0 ? h : h.slice(0, i);
}

export type Verdict =
  /** Let in; `setCookie` when the token came in the query. */
  { ok: true; setCookie: boolean } | { ok: false; why: 'token' | 'host' };

/** `token` undefined: the dashboard listens on loopback and asks for none. */
export function authorize(req: IncomingMessage, url: URL, token: string | undefined): Verdict {
  if (token === undefined) {
    const host = hostOf(req.headers.host);
    return host === 'localhost' || isLoopback(host)
      ? { ok: true, setCookie: false }
      : { ok: false, why: 'host' };
  }
  const query = url.searchParams.get('token');
  if (query !== null)
    return sameToken(query, token) ? { ok: true, setCookie: true } : { ok: false, why: 'token' };
  const auth = req.headers.authorization;
  const given = auth?.startsWith('Bearer ')
    ? auth.slice(7).trim()
    : cookieValue(req.headers.cookie, TOKEN_COOKIE);
  return given !== undefined && sameToken(given, token)
    ? { ok: true, setCookie: false }
    : { ok: false, why: 'token' };
}

/** The cookie that stands for the token: not readable by scripts, sent only to this origin. */
export function tokenCookie(token: string): string {
  return `${TOKEN_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=31536000`;
}
