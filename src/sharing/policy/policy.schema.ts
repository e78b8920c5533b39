import { z } from 'zod';
import { durationText } from '../../contracts/duration';
import { Tlp } from '../../contracts/tlp';
import { API_VERSION, type KindDefinition, type KindIssue } from '../../playbooks/loader/kinds';

/** What a receiving jurisdiction does with an indicator arriving over an edge. */
export const TrustMode = z.enum(['auto-block', 'review', 'ignore']);
export type TrustMode = z.infer<typeof TrustMode>;

/** Sender groups, relative to the receiving jurisdiction. */
export const SOURCE_GROUPS = ['*', 'parent', 'ancestors', 'children', 'descendants', 'siblings', 'peers'] as const;
const ID = /^[a-z0-9][a-z0-9-]{0,62}$/;
const Source = z
  .string()
  .refine((s) => (SOURCE_GROUPS as readonly string[]).includes(s) || ID.test(s) || /^peer:[a-z0-9][a-z0-9-]{0,62}$/.test(s), {
    message: `a jurisdiction id, peer:<id>, or one of ${SOURCE_GROUPS.join(', ')}`,
  });
const Sources = z.union([Source, z.array(Source).min(1)]);
/** A value or a list, as a list. */
export const asList = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);
const Duration = durationText('a duration like 30m, 24h, 7d');

export const TrustEdge = z.strictObject({
  /** Who sends: jurisdiction ids, `peer:<id>` (another deployment), or groups relative to the receiver. */
  from: Sources,
  mode: TrustMode,
  /** Indicators below this confidence are not accepted over this edge. */
  min_confidence: z.number().int().min(0).max(100).optional(),
  /** The most restrictive TLP accepted over this edge (RED never arrives anyway). */
  max_tlp: Tlp.optional(),
  /** k-of-n: block automatically only once k distinct origin jurisdictions among `from` reported the value within the window. */
  corroboration: z.strictObject({ k: z.number().int().min(2).max(100), window: Duration.default('24h') }).optional(),
  description: z.string().max(1000).optional(),
});
export type TrustEdge = z.output<typeof TrustEdge>;

export const PolicyDefaults = z.strictObject({
  /** From an ancestor (indicators flow down automatically). */
  down: TrustMode.default('auto-block'),
  /** From a descendant (up for review). */
  up: TrustMode.default('review'),
  /** From any other jurisdiction of this deployment (siblings, other branches). */
  across: TrustMode.default('review'),
  /** From another deployment. */
  peer: TrustMode.default('review'),
  min_confidence: z.number().int().min(0).max(100).default(0),
  max_tlp: Tlp.default('AMBER+STRICT'),
});
export type PolicyDefaults = z.output<typeof PolicyDefaults>;

export const SharingPolicy = z.strictObject({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('SharingPolicy'),
  id: z.string().regex(ID, 'lower-case letters, digits and dashes'),
  name: z.string().max(200).optional(),
  description: z.string().max(4000).optional(),
  enabled: z.boolean().default(true),
  /** Whose inbox this policy governs: jurisdiction ids, or '*' for every jurisdiction without a policy of its own. */
  jurisdiction: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
  /** Edges not listed under trust follow the hierarchy. */
  defaults: PolicyDefaults.prefault({}),
  /** Directed trust edges into the jurisdiction; the first whose `from` matches the sender applies. */
  trust: z.array(TrustEdge).max(500).default([]),
  /** Approvals created by review edges. */
  review: z
    .strictObject({ timeout: Duration.optional(), on_timeout: z.enum(['deny', 'approve']).optional(), quorum: z.number().int().min(1).max(10).optional() })
    .optional(),
});
export type SharingPolicy = z.output<typeof SharingPolicy>;

let knownJurisdictions: ReadonlySet<string> | null = null;
/** Check jurisdiction ids against a deployment's hierarchy while `fn` loads (the loader is synchronous). */
export function withKnownJurisdictions<T>(ids: ReadonlySet<string>, fn: () => T): T {
  const before = knownJurisdictions;
  knownJurisdictions = ids;
  try {
    return fn();
  } finally {
    knownJurisdictions = before;
  }
}

export const SharingPolicyKind: KindDefinition<typeof SharingPolicy> = {
  kind: 'SharingPolicy',
  schema: SharingPolicy,
  idOf: (p) => p.id,
  check(policy): KindIssue[] {
    const issues: KindIssue[] = [];
    const known = knownJurisdictions;
    const targets = asList(policy.jurisdiction);
    targets.forEach((j, i) => {
      const path = Array.isArray(policy.jurisdiction) ? ['jurisdiction', i] : ['jurisdiction'];
      if (j === '*') {
        if (targets.length > 1) issues.push({ path, message: "'*' stands alone", hint: "jurisdiction: '*' is the default policy of every jurisdiction without one" });
      } else if (!ID.test(j)) issues.push({ path, message: `${JSON.stringify(j)} is not a jurisdiction id` });
      else if (known && !known.has(j)) issues.push({ path, message: `jurisdiction ${j} is not declared in this deployment`, hint: 'see jurisdictions: in the configuration' });
    });
    policy.trust.forEach((edge, i) => {
      const from = asList(edge.from);
      from.forEach((s, k) => {
        const isGroup = (SOURCE_GROUPS as readonly string[]).includes(s) || s.startsWith('peer:');
        if (known && !isGroup && !known.has(s)) issues.push({ path: ['trust', i, 'from', ...(Array.isArray(edge.from) ? [k] : [])], message: `jurisdiction ${s} is not declared in this deployment` });
      });
      if (edge.corroboration) {
        if (edge.mode !== 'auto-block') issues.push({ path: ['trust', i, 'corroboration'], message: 'corroboration applies to auto-block edges only', hint: 'mode: auto-block' });
        const explicit = from.every((s) => !(SOURCE_GROUPS as readonly string[]).includes(s));
        if (explicit && edge.corroboration.k > from.length)
          issues.push({ path: ['trust', i, 'corroboration', 'k'], message: `k=${edge.corroboration.k} but only ${from.length} sources are listed under from`, hint: 'k of n: k may not exceed the number of sources' });
      }
    });
    return issues;
  },
  hints: {
    mode: 'one of auto-block, review, ignore',
    max_tlp: 'one of CLEAR, GREEN, AMBER, AMBER+STRICT, RED',
    'corroboration.window': 'e.g. window: 24h',
  },
};
