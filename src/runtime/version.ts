/** Docker API version negotiation: speak the newest version both sides know. */

/** The newest Engine API this client is written against. */
export const CLIENT_MAX_API = '1.45';
/** The oldest Engine API this client can drive (Docker 20.10 speaks 1.41). */
export const CLIENT_MIN_API = '1.40';

function parts(v: string): [number, number] {
  const m = /^v?(\d+)\.(\d+)$/.exec(v.trim());
  if (!m) return [Number.NaN, Number.NaN];
  return [Number(m[1]), Number(m[2])];
}

/** -1, 0 or 1, as `a` is older than, equal to or newer than `b`. */
export function compareApi(a: string, b: string): number {
  const [am, an] = parts(a);
  const [bm, bn] = parts(b);
  return am !== bm ? Math.sign(am - bm) : Math.sign(an - bn);
}

/**
 * min(client max, engine's ApiVersion). An engine that reports no version, or one the
 * client cannot parse, gets the client's minimum: every engine of that age or newer understands it.
 */
export function negotiateApi(engineApi: string | undefined, clientMax = CLIENT_MAX_API): string {
  if (!engineApi || Number.isNaN(parts(engineApi)[0])) return CLIENT_MIN_API;
  return compareApi(engineApi, clientMax) < 0 ? engineApi.replace(/^v/, '') : clientMax;
}
