/**
 * `fizz events`' lines from the engine's container events, in docker compose's shapes: the
 * text line `2026-12-07 14:56:44.123456 container start 3f2a… (image=…, name=…)` and, with
 * `--json`, `{"time","type","action","id","service","attributes"}`. Pure.
 */
import type { EngineEvent } from '../runtime/direct.js';
import { LABELS } from '../runtime/types.js';

export interface ComposeEvent {
  time: string;
  type: string;
  action: string;
  id: string;
  service: string;
  attributes: Record<string, string>;
}

/** Engine time (ns) as docker compose prints it: UTC, microseconds. */
function timeText(e: EngineEvent): string {
  const seconds = e.time ?? Math.floor((e.timeNano ?? 0) / 1e9);
  // The fraction from the nanoseconds (a double: exact to well under a microsecond here).
  const micros = e.timeNano === undefined ? 0 : Math.max(0, Math.floor((e.timeNano - seconds * 1e9) / 1e3));
  const iso = new Date(seconds * 1000).toISOString(); // 2026-12-07T14:56:44.000Z
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}.${String(Math.min(micros, 999_999)).padStart(6, '0')}`;
}

/** The attributes compose shows: the container's name and image, and the event's own (exit code, signal). */
export function composeEvent(e: EngineEvent): ComposeEvent {
  const attrs = e.Actor?.Attributes ?? {};
  const attributes: Record<string, string> = {};
  for (const [k, v] of Object.entries(attrs)) {
    // Labels are the container's, not the event's: compose leaves them out.
    if (k.includes('.') && k !== 'exitCode') continue;
    attributes[k] = v;
  }
  return {
    time: timeText(e),
    type: e.Type ?? 'container',
    action: e.Action ?? '',
    id: e.Actor?.ID ?? '',
    service: attrs[LABELS.service] ?? '',
    attributes,
  };
}

export function eventLine(ev: ComposeEvent): string {
  const attrs = Object.keys(ev.attributes)
    .sort()
    .map((k) => `${k}=${ev.attributes[k]}`)
    .join(', ');
  return `${ev.time} ${ev.type} ${ev.action} ${ev.id}${attrs ? ` (${attrs})` : ''}`;
}
