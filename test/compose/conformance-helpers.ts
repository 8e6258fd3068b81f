/** Shared helpers for the compose-go conformance tests (data in test/fixtures/compose/compose-go). */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const CONFORMANCE_DIR = fileURLToPath(
  new URL('../../../test/fixtures/compose/compose-go/', import.meta.url),
);

export function readCases<T>(relative: string): T[] {
  return (JSON.parse(readFileSync(`${CONFORMANCE_DIR}${relative}`, 'utf8')) as { cases: T[] }).cases;
}

export function readJson<T>(relative: string): T {
  return JSON.parse(readFileSync(`${CONFORMANCE_DIR}${relative}`, 'utf8')) as T;
}

export const lookupIn =
  (env: Record<string, string> | null | undefined) =>
  (k: string): string | undefined =>
    env && Object.hasOwn(env, k) ? env[k] : undefined;

/** The test name of a case that is skipped, with its reason in the name. */
export function skipName(id: string, reason: string | undefined): string {
  return reason ? `${id} [skipped: ${reason}]` : id;
}
