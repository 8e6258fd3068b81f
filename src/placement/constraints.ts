/**
 * `deploy.placement.constraints` as docker swarm writes them: `node.name==edge-1`,
 * `node.id!=abc`, `node.labels.disk==ssd`, `engine.labels.zone==b`, `node.hostname`,
 * `node.role` (every Fizz peer is a manager), `node.platform.os`/`arch`.
 */
import type { PlacementMember } from './types.js';

export interface Constraint {
  attribute: string;
  equal: boolean;
  value: string;
}

/** A constraint that cannot be read; the slot that carries it is not placed. */
export class ConstraintSyntaxError extends Error {
  override readonly name = 'ConstraintSyntaxError';
  constructor(readonly constraint: string) {
    super(
      `invalid placement constraint '${constraint}': expected <attribute>==<value> or <attribute>!=<value>`,
    );
  }
}

const KNOWN = /^(node\.(id|name|hostname|role|platform\.os|platform\.arch)|(node|engine)\.labels\.[^\s=!]+)$/;

export function parseConstraint(text: string): Constraint {
  const m = /^\s*([^\s=!]+)\s*(==|!=)\s*(.*?)\s*$/.exec(text);
  if (!m || !KNOWN.test(m[1]!) || m[3] === '') throw new ConstraintSyntaxError(text);
  return { attribute: m[1]!, equal: m[2] === '==', value: m[3]! };
}

/** The member's value of an attribute; undefined when it has none (a label it lacks). */
export function attributeOf(member: PlacementMember, attribute: string): string | undefined {
  switch (attribute) {
    case 'node.id':
      return member.id;
    case 'node.name':
    case 'node.hostname':
      return member.name;
    case 'node.role':
      return 'manager';
    case 'node.platform.os':
      return member.labels['node.platform.os'] ?? 'linux';
    case 'node.platform.arch':
      return member.labels['node.platform.arch'];
  }
  const label = attribute.replace(/^(node|engine)\.labels\./, '');
  return Object.hasOwn(member.labels, label) ? member.labels[label] : undefined;
}

export function satisfies(member: PlacementMember, constraints: Constraint[]): boolean {
  for (const c of constraints) {
    const v = attributeOf(member, c.attribute);
    if (c.equal ? v !== c.value : v === c.value) return false;
  }
  return true;
}
