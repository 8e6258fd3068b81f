/**
 * The container labels and slot key the planner reads. A local copy, because the planner
 * may import only types from outside its folder; `typeof LABELS` makes the compiler check
 * that the copy matches the runtime's.
 */
import type { LABELS, SlotRef } from '../runtime/types.js';

export const LABEL: typeof LABELS = {
  project: 'fizz.project',
  service: 'fizz.service',
  slot: 'fizz.slot',
  specHash: 'fizz.spec-hash',
  node: 'fizz.node',
  composeProject: 'com.docker.compose.project',
  composeService: 'com.docker.compose.service',
  composeNumber: 'com.docker.compose.container-number',
  oneoff: 'fizz.oneoff',
  composeOneoff: 'com.docker.compose.oneoff',
};

/** `project/service/replica`, the same string as the runtime's `slotKey`. */
export function keyOf(slot: SlotRef): string {
  return `${slot.project}/${slot.service}/${slot.replica}`;
}

/** The slot a container belongs to, read from its labels; undefined when they are missing or malformed. */
export function slotOfLabels(labels: Record<string, string>): SlotRef | undefined {
  const project = labels[LABEL.project];
  const service = labels[LABEL.service];
  const slot = labels[LABEL.slot];
  if (!project || !service || slot === undefined || !/^(0|[1-9][0-9]{0,8})$/.test(slot)) return undefined;
  return { project, service, replica: Number(slot) };
}
