/** The YAML `fizz config` prints (its own module so that only `config` loads the yaml package). */
import { Document, parse, visit } from 'yaml';

/**
 * YAML that YAML 1.1 readers (Python) and YAML 1.2 readers (docker compose, Go) both read
 * back as the same strings: a string that either version would take for a number, boolean or
 * null (`yes`, `0o17`, `1e3`) is quoted.
 */
export function toYaml(model: unknown): string {
  const doc = new Document(model, { aliasDuplicateObjects: false, version: '1.1' });
  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value === 'string' && !node.value.includes('\n') && !readsAsString12(node.value))
        node.type = 'QUOTE_DOUBLE';
    },
  });
  return doc.toString({ lineWidth: 0 });
}

function readsAsString12(s: string): boolean {
  try {
    return typeof parse(s, { version: '1.2' }) === 'string';
  } catch {
    return true;
  }
}
