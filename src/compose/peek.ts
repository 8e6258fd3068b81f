/**
 * The project's name (and its services' names) without building the project: for commands
 * that act on a running project by name (`ps`, `logs`, `stop`, `down`...), so a 5 MB file
 * costs a line scan, not a parse, interpolation and validation of every service.
 *
 * The scan reads only top-level keys (lines that start in column 0) and the keys one level
 * under `services:`. Whenever it cannot be sure it gives up (undefined), and the caller
 * loads the project in full: standard input, a `name:` that is interpolated, tagged,
 * anchored or not a plain one-line scalar, a file with several documents or a flow-style
 * top level, or a name the rules refuse. It never invents a name the loader would not give.
 */
import { readFileSync } from 'node:fs';
import { projectInputs } from './inputs.js';
import type { LoadOptions } from './options.js';
import { resolveProjectName } from './project-name.js';

export interface PeekedProject {
  name: string;
  /** The services the files define; undefined when the scan cannot tell (`include`, merge keys, flow style). */
  services?: Set<string>;
}

interface Scan {
  /** The top-level `name:` (undefined: none; null: one the scan cannot read). */
  name: string | null | undefined;
  services: Set<string> | undefined;
}

const TOP_KEY = /^([A-Za-z0-9_.-]+|"[^"\\]*"|'[^']*')[ \t]*:(?:[ \t]+(.*))?$/;
const NESTED_KEY = /^( +)([^\s#'"{[&*!|>%@`-][^:#]*?|"[^"\\]*"|'[^']*')[ \t]*:(?:[ \t]|$)/;
const PLAIN_NAME = /^[A-Za-z0-9_.-]+$/;

function unquote(key: string): string {
  return key.startsWith('"') || key.startsWith("'") ? key.slice(1, -1) : key;
}

/** A one-line scalar value with no interpolation, tag, anchor or alias; else null. */
function scalar(raw: string): string | null {
  const v = raw.replace(/[ \t]+#.*$/, '').trim();
  const quoted = /^"([^"\\$]*)"$/.exec(v) ?? /^'([^'$]*)'$/.exec(v);
  if (quoted) return quoted[1]!;
  return PLAIN_NAME.test(v) ? v : null;
}

/** Scans one file's text; null when its layout is beyond the scan (several documents, flow top level). */
export function scanComposeText(text: string): Scan | null {
  const lines = text.split(/\r?\n/);
  let name: string | null | undefined;
  let services: Set<string> | undefined = new Set();
  let inServices = false;
  let indent = -1;
  for (const line of lines) {
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('---') || line.startsWith('...')) {
      if (name !== undefined || inServices) return null;
      continue;
    }
    if (line.startsWith('%')) continue; // a YAML directive
    if (!/^[ \t]/.test(line)) {
      const top = TOP_KEY.exec(line);
      if (!top) return null;
      const key = unquote(top[1]!);
      const value = top[2]?.replace(/^#.*$/, '').trim() ?? '';
      inServices = false;
      if (key === 'name') name = scalar(value);
      else if (key === 'services') {
        if (value !== '' && !value.startsWith('#')) services = undefined;
        else {
          inServices = true;
          indent = -1;
        }
      } else if (key === 'include' || key === '<<') services = undefined;
      continue;
    }
    if (!inServices || !services) continue;
    // Most lines are deeper than the service names: passed over after a few characters.
    let width = 0;
    while ((indent === -1 || width <= indent) && line.charCodeAt(width) === 32) width++;
    if (indent !== -1 && width > indent) continue;
    const rest = line.slice(width);
    if (rest.trim() === '' || rest.startsWith('#')) continue;
    if (rest.startsWith('\t')) {
      services = undefined;
      continue;
    }
    if (indent === -1) indent = width;
    if (width !== indent) continue;
    const m = NESTED_KEY.exec(line);
    if (!m || m[2] === '<<') services = undefined;
    else services.add(unquote(m[2]!.trim()));
  }
  return { name, services };
}

/**
 * The project's name as the loader would give it, or undefined when the scan cannot be
 * sure (the caller then loads the project). Reads standard input never.
 */
export async function peekProject(options: LoadOptions): Promise<PeekedProject | undefined> {
  if (options.files?.includes('-')) return undefined;
  try {
    const { configFiles, workingDir, env } = await projectInputs(options);
    let topLevel: string | undefined;
    let services: Set<string> | undefined = new Set();
    for (const f of configFiles) {
      const scan = scanComposeText(readFileSync(f.path, 'utf8'));
      if (!scan || scan.name === null) return undefined;
      if (scan.name !== undefined) topLevel = scan.name;
      if (!scan.services || !services) services = undefined;
      else for (const s of scan.services) services.add(s);
    }
    const name = resolveProjectName({ flag: options.projectName, env, topLevel, projectDir: workingDir });
    return services ? { name, services } : { name };
  } catch {
    // No file, an unreadable one, a name the rules refuse: the full load says what is wrong.
    return undefined;
  }
}
