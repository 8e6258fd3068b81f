/**
 * The daemon's pino logger, with the node's name on every line (`"nodeName":"h1"`; `node`
 * is taken: lines about another node name it there), so the
 * logs of several nodes can be read together. The name is looked up at each line: it is the
 * cluster config's name, read from FIZZ_HOME before anything is logged, then whatever the
 * cluster controller says once it runs (an `init` or `join --name` changes it).
 */
import pino from 'pino';
import { defaultNodeName, readClusterConfig } from './cluster/config.js';
import type { Logger } from './logger.js';

export interface NodeLogger {
  logger: Logger;
  /** From now on the name comes from `name()`. */
  nameFrom(name: () => string): void;
}

export function nodeLogger(home: string, level: string): NodeLogger {
  let name: () => string;
  try {
    const fixed = readClusterConfig(home)?.name ?? defaultNodeName();
    name = () => fixed;
  } catch {
    // A damaged cluster config: the controller says so when it reads it.
    name = defaultNodeName;
  }
  const logger = pino({ level, mixin: () => ({ nodeName: name() }) }) as unknown as Logger;
  return {
    logger,
    nameFrom: (fn) => {
      name = fn;
    },
  };
}
