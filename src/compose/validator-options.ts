/**
 * What the saved schema validator (validator-codegen.ts) and its loader (schema.ts) share.
 * Apart from the code generator, so that loading the saved code does not load ajv.
 */
import { createHash } from 'node:crypto';
import type { Options } from 'ajv';

/** The ajv options of both the fresh and the saved validator (they must agree). */
export const AJV_OPTIONS: Options = { allErrors: true, strict: false, verbose: true, validateSchema: false };

export interface SavedValidator {
  /** sha256 of the compose-spec.json text the code was generated from. */
  schemaSha256: string;
  /** CommonJS module code exporting the validate function. */
  code: string;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
