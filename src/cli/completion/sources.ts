/**
 * Where completion finds the words it offers: service names read from the compose files
 * with a bare YAML parse (no interpolation, validation, `include` or `extends`: the full
 * loader would cost a TAB press ~100 ms), and node names from the local agent when one
 * answers (completion never starts one).
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { clusterNodes } from '../../api/cluster-api.js';
import { connectAgent } from '../agent-client.js';
import { configFilePaths } from '../config-files.js';
import { cliHomePaths } from '../fizz-home.js';
import type { CompletionSources } from './complete.js';

/** The keys of `services:` in each file (override files add theirs); nothing from a file that does not parse. */
export function serviceNames(files: string[]): string[] {
  const names = new Set<string>();
  for (const file of files) {
    if (file === '-') continue;
    try {
      const doc = parse(readFileSync(file, 'utf8')) as { services?: unknown } | null;
      const services = doc?.services;
      if (services && typeof services === 'object' && !Array.isArray(services))
        for (const name of Object.keys(services)) names.add(name);
    } catch {
      // a file being edited: offer what the others have
    }
  }
  return [...names];
}

export function liveSources(env: NodeJS.ProcessEnv, cwd: string): CompletionSources {
  return {
    async services(files) {
      return serviceNames(configFilePaths({ files, env, cwd }));
    },
    async nodes() {
      try {
        const client = await connectAgent({ paths: cliHomePaths(env), autoStart: false, env });
        return (await clusterNodes(client)).nodes.map((n) => n.name);
      } catch {
        return [];
      }
    },
  };
}
