import type { Tlp } from '../../contracts/tlp';
import { parseDuration } from '../../contracts/duration';
import { asList, PolicyDefaults, type SharingPolicy, type TrustEdge, type TrustMode } from './policy.schema';

/** The hierarchy as trust resolution needs it. */
export interface Hierarchy {
  has(id: string): boolean;
  parentOf(id: string): string | null;
  /** Parent first, up to the hub. */
  ancestors(id: string): string[];
}

export type Direction = 'down' | 'up' | 'across' | 'peer';

export interface ReviewSettings {
  timeoutMs: number;
  onTimeout: 'deny' | 'approve';
  quorum: number;
}

/** The edge sender → receiver as the receiver's policy (or the hierarchy) defines it. */
export interface EffectiveEdge {
  mode: TrustMode;
  minConfidence: number;
  maxTlp: Tlp;
  corroboration: { k: number; windowMs: number } | null;
  /** Which rule decided: `policy <id> trust[2]`, `policy <id> defaults.down`, `built-in defaults.up`. */
  rule: string;
  direction: Direction;
  review: ReviewSettings;
}

/** Where a sender sits relative to a receiver. Peers are other deployments (`peer:<id>`). */
export function directionOf(h: Hierarchy, sender: string, receiver: string): Direction {
  if (sender.startsWith('peer:')) return 'peer';
  if (!h.has(sender)) return 'across';
  if (h.ancestors(receiver).includes(sender)) return 'down';
  if (h.ancestors(sender).includes(receiver)) return 'up';
  return 'across';
}

/** Whether a `from:` entry matches the sender, relative to the receiver. */
export function sourceMatches(h: Hierarchy, source: string, sender: string, receiver: string): boolean {
  const local = !sender.startsWith('peer:') && h.has(sender);
  switch (source) {
    case '*':
      return true;
    case 'peers':
      return sender.startsWith('peer:');
    case 'parent':
      return local && h.parentOf(receiver) === sender;
    case 'ancestors':
      return local && h.ancestors(receiver).includes(sender);
    case 'children':
      return local && h.parentOf(sender) === receiver;
    case 'descendants':
      return local && h.ancestors(sender).includes(receiver);
    case 'siblings': {
      const p = h.parentOf(receiver);
      return local && sender !== receiver && p !== null && h.parentOf(sender) === p;
    }
    default:
      return source === sender;
  }
}

const BUILT_IN_DEFAULTS: PolicyDefaults = PolicyDefaults.parse({});

/**
 * The trust policies in force: for each receiving jurisdiction, the policy that names it, else
 * the `'*'` policy, else the hierarchy's built-in defaults (down: auto-block, up: review,
 * across: review, peer: review). Within a policy the first trust edge whose `from` matches wins.
 */
export class TrustPolicies {
  private readonly byJurisdiction = new Map<string, SharingPolicy>();
  private readonly fallback: SharingPolicy | null = null;

  constructor(
    readonly policies: SharingPolicy[],
    private readonly h: Hierarchy,
    private readonly review: ReviewSettings,
  ) {
    for (const p of policies) {
      if (!p.enabled) continue;
      for (const j of asList(p.jurisdiction)) {
        if (j === '*') this.fallback ??= p;
        else if (!this.byJurisdiction.has(j)) this.byJurisdiction.set(j, p);
      }
    }
  }

  policyFor(receiver: string): SharingPolicy | null {
    return this.byJurisdiction.get(receiver) ?? this.fallback;
  }

  edge(sender: string, receiver: string): EffectiveEdge {
    const policy = this.policyFor(receiver);
    const direction = directionOf(this.h, sender, receiver);
    const defaults = policy?.defaults ?? BUILT_IN_DEFAULTS;
    const review: ReviewSettings = {
      timeoutMs: (policy?.review?.timeout && parseDuration(policy.review.timeout)) || this.review.timeoutMs,
      onTimeout: policy?.review?.on_timeout ?? this.review.onTimeout,
      quorum: policy?.review?.quorum ?? this.review.quorum,
    };
    const trust = policy?.trust ?? [];
    for (let i = 0; i < trust.length; i++) {
      const e: TrustEdge = trust[i];
      if (!asList(e.from).some((s) => sourceMatches(this.h, s, sender, receiver))) continue;
      return {
        mode: e.mode,
        minConfidence: e.min_confidence ?? defaults.min_confidence,
        maxTlp: e.max_tlp ?? defaults.max_tlp,
        corroboration: e.corroboration ? { k: e.corroboration.k, windowMs: parseDuration(e.corroboration.window) ?? 86_400_000 } : null,
        rule: `policy ${policy!.id} trust[${i}]`,
        direction,
        review,
      };
    }
    return {
      mode: defaults[direction],
      minConfidence: defaults.min_confidence,
      maxTlp: defaults.max_tlp,
      corroboration: null,
      rule: `${policy ? `policy ${policy.id}` : 'built-in'} defaults.${direction}`,
      direction,
      review,
    };
  }
}
