/**
 * Whether to pull, build or use the image of a service, as docker compose decides it:
 * `pull_policy` (missing — the default —, if_not_present, always, never, build, daily,
 * weekly, every_<duration>), `up --pull`, `up --build` and `--no-build`. Pure: facts about
 * the image in, a decision out; the agent's image stage (images.ts) carries it out.
 */

export type PullOverride = 'always' | 'missing' | 'never';

/**
 * `up`: a user asked (`fizz up`): `always` pulls, `build` builds. `background`: the loop
 * replaces a container (a scale, a crash, an agent restart): it only fetches what is
 * missing, so it never pulls or rebuilds on every pass.
 */
export type Trigger = 'up' | 'background';

export type PullPolicy =
  | { kind: 'missing' }
  | { kind: 'always' }
  | { kind: 'never' }
  | { kind: 'build' }
  /** Pull when the local image was last tagged (pulled) longer ago than `everyMs`. */
  | { kind: 'refresh'; everyMs: number };

/** A `pull_policy` that cannot be read (`every_x`). */
export class PullPolicyError extends Error {
  override readonly name = 'PullPolicyError';
  constructor(readonly policy: string) {
    super(
      `pull_policy "${policy}" is not a policy (expected missing, if_not_present, always, never, build, daily, weekly or every_<duration> such as every_12h)`,
    );
  }
}

const UNIT_MS: Record<string, number> = {
  w: 7 * 86_400_000,
  d: 86_400_000,
  h: 3_600_000,
  m: 60_000,
  s: 1000,
  ms: 1,
};

/** `1w2d`, `12h`, `1h30m`, `90s` → ms (as compose's str2duration, with days and weeks). */
export function parseRefreshDuration(text: string): number | undefined {
  const re = /(\d+(?:\.\d+)?)(ms|w|d|h|m|s)/y;
  let total = 0;
  let pos = 0;
  if (!text) return undefined;
  while (pos < text.length) {
    re.lastIndex = pos;
    const m = re.exec(text);
    if (!m) return undefined;
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    pos = re.lastIndex;
  }
  return total > 0 ? total : undefined;
}

/** A service's `pull_policy` as a decision input; unknown words are `missing`, as compose-go reads them. */
export function parsePullPolicy(text: string | undefined): PullPolicy {
  switch (text) {
    case undefined:
    case '':
    case 'missing':
    case 'if_not_present':
    case 'refresh': // not a spec value alone: compose-go reads it as missing
      return { kind: 'missing' };
    case 'always':
    case 'never':
    case 'build':
      return { kind: text };
    case 'daily':
      return { kind: 'refresh', everyMs: UNIT_MS.d! };
    case 'weekly':
      return { kind: 'refresh', everyMs: UNIT_MS.w! };
  }
  if (text.startsWith('every_')) {
    const everyMs = parseRefreshDuration(text.slice(6));
    if (everyMs === undefined) throw new PullPolicyError(text);
    return { kind: 'refresh', everyMs };
  }
  return { kind: 'missing' };
}

/** What is known of a service and its image before deciding. */
export interface ImageFacts {
  /** `image:` is set: compose pulls only images it is told the name of. */
  named: boolean;
  /** The service has a `build:` section. */
  buildable: boolean;
  /** The image is on this machine now. */
  present: boolean;
  /** When it was last tagged here (pulled or built), ms since the epoch. */
  lastTagTime?: number;
}

/** What the caller asks. */
export interface ImageAsk {
  policy: PullPolicy;
  trigger: Trigger;
  /** `up --pull`: overrides every service's pull_policy. */
  pull?: PullOverride;
  /** `up --build`: build every buildable service. */
  build?: boolean;
  /** `up --no-build`: build nothing, even a missing image. */
  noBuild?: boolean;
  now: number;
}

export interface ImagePlan {
  /** The policy in force after `--pull` and `--build`. */
  policy: PullPolicy;
  /** Pull first. A failed pull of a buildable image is not the end: it is built. */
  pull: boolean;
  /** Build: every time, only when still missing after the pull, or not at all. */
  build: 'always' | 'if-missing' | 'never';
}

/** The policy in force: `--pull` overrides the file, `--build` overrides both for buildable services. */
export function effectivePolicy(facts: ImageFacts, ask: ImageAsk): PullPolicy {
  let p: PullPolicy = ask.pull ? { kind: ask.pull } : ask.policy;
  if (ask.build && facts.buildable && !ask.noBuild) p = { kind: 'build' };
  return p;
}

export function planImage(facts: ImageFacts, ask: ImageAsk): ImagePlan {
  const policy = effectivePolicy(facts, ask);
  const background = ask.trigger === 'background';
  let pull = false;
  if (facts.named)
    switch (policy.kind) {
      case 'missing':
        pull = !facts.present;
        break;
      case 'always':
        // The loop does not pull on every pass: only an `up` does.
        pull = background ? !facts.present : true;
        break;
      case 'never':
      case 'build':
        pull = false;
        break;
      case 'refresh':
        pull =
          !facts.present || facts.lastTagTime === undefined || ask.now >= facts.lastTagTime + policy.everyMs;
        break;
    }
  let build: ImagePlan['build'] = 'never';
  if (facts.buildable && !ask.noBuild)
    build = policy.kind === 'build' && !background ? 'always' : 'if-missing';
  return { policy, pull, build };
}

/** After the pull (or none): build, use the image, or report it missing. */
export function afterPull(plan: ImagePlan, presentNow: boolean): 'build' | 'use' | 'missing' {
  if (plan.build === 'always') return 'build';
  if (presentNow) return 'use';
  return plan.build === 'if-missing' ? 'build' : 'missing';
}

/** Why a missing image was neither pulled nor built, in the user's terms. */
export function missingReason(facts: ImageFacts, plan: ImagePlan, ask: ImageAsk): string {
  if (facts.buildable && ask.noBuild) return 'it is not on this machine and --no-build forbids building it';
  if (plan.policy.kind === 'never')
    return `it is not on this machine and ${ask.pull === 'never' ? '--pull never' : 'pull_policy: never'} forbids pulling it`;
  return 'it is not on this machine';
}

/** `fizz pull`: pull, or skip with compose's reason. */
export type PullCommandDecision = { pull: true } | { pull: false; reason: string };

export function pullCommandDecision(
  facts: ImageFacts & { latest: boolean },
  policyText: string | undefined,
): PullCommandDecision {
  if (!facts.named) return { pull: false, reason: 'No image to be pulled' };
  if (policyText === 'never' || policyText === 'build') return { pull: false, reason: 'Skipped' };
  // Only an explicit missing policy skips a present image (not :latest), as docker compose pull.
  if ((policyText === 'missing' || policyText === 'if_not_present') && facts.present && !facts.latest)
    return { pull: false, reason: 'Image is already present locally' };
  return { pull: true };
}
