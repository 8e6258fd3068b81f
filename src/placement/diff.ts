/** What changed between two placements: the slots that moved, and from where to where. */

/** One slot whose node differs; `undefined` means placed nowhere on that side. */
export interface MovedSlot {
  slot: string;
  from: string | undefined;
  to: string | undefined;
}

/** The slots placed differently in `after` than in `before` (either side may lack a slot), sorted by slot. */
export function diffAssignments(before: Map<string, string>, after: Map<string, string>): MovedSlot[] {
  const out: MovedSlot[] = [];
  for (const [slot, from] of before) {
    const to = after.get(slot);
    if (to !== from) out.push({ slot, from, to });
  }
  for (const [slot, to] of after) if (!before.has(slot)) out.push({ slot, from: undefined, to });
  return out.sort((a, b) => (a.slot < b.slot ? -1 : a.slot > b.slot ? 1 : 0));
}
