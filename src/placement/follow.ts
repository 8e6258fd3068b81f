/**
 * Slots that must run beside another slot: `network_mode: service:x` shares the network
 * stack of x's first container, which the engine can do only on the machine that runs it.
 * Such a slot is not placed by the rules of `place`; it goes to the node its leader got,
 * if its own constraints allow that node, else nowhere, with the reason. Pure.
 */
import { ConstraintSyntaxError, parseConstraint, satisfies } from './constraints.js';
import type { PlacementMember, PlacementResult, PlacementSlot } from './types.js';

export function splitFollowers(slots: PlacementSlot[]): {
  leaders: PlacementSlot[];
  followers: PlacementSlot[];
} {
  const leaders: PlacementSlot[] = [];
  const followers: PlacementSlot[] = [];
  for (const s of slots) (s.follows ? followers : leaders).push(s);
  return { leaders, followers };
}

/** `result` with each follower on its leader's node (a chain of followers is followed to its end). */
export function placeFollowers(
  result: PlacementResult,
  followers: PlacementSlot[],
  members: PlacementMember[],
  keyOf: (s: PlacementSlot) => string,
): PlacementResult {
  const assignment = new Map(result.assignment);
  const unplaced = [...result.unplaced];
  const byId = new Map(members.map((m) => [m.id, m]));
  let left = [...followers].sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
  // A follower whose leader is itself a follower waits for it; rounds until nothing moves.
  for (let progress = true; progress && left.length > 0; ) {
    progress = false;
    const waiting: PlacementSlot[] = [];
    for (const s of left) {
      const { slot: leader, why } = s.follows!;
      const node = assignment.get(leader);
      if (node === undefined) {
        const failed = unplaced.find((u) => u.slot === leader);
        if (failed || !left.some((f) => keyOf(f) === leader)) {
          unplaced.push({
            slot: keyOf(s),
            reason: `${why}, which has no node (${failed?.reason ?? 'not wanted'})`,
          });
          progress = true;
        } else waiting.push(s);
        continue;
      }
      progress = true;
      const m = byId.get(node);
      const reason = excludes(s, m);
      if (reason) unplaced.push({ slot: keyOf(s), reason: `${why} on ${m?.name ?? node}, ${reason}` });
      else assignment.set(keyOf(s), node);
    }
    left = waiting;
  }
  for (const s of left)
    unplaced.push({ slot: keyOf(s), reason: `${s.follows!.why}: a cycle of network_mode` });
  return { assignment, unplaced };
}

/** Why the follower's own constraints rule out the member, if they do. */
function excludes(s: PlacementSlot, m: PlacementMember | undefined): string | undefined {
  if (!m) return 'which is not a member';
  try {
    const constraints = (s.constraints ?? []).map(parseConstraint);
    return satisfies(m, constraints) ? undefined : 'which its placement constraints exclude';
  } catch (err) {
    if (err instanceof ConstraintSyntaxError) return err.message;
    throw err;
  }
}
