import { z } from 'zod';
import { TimeRangeQuery } from '../infra/http/time-range';
import { AuditActor } from '../audit/audit.schemas';
import { Tlp } from '../contracts/tlp';

export { Tlp };

/** Who or what made a decision: a playbook run (and the share it reacted to, if any), a person's key (manual), or a peer jurisdiction (shared, with its forwarding chain). */
export const DecisionOrigin = z.object({
  type: z.enum(['playbook', 'manual', 'shared']),
  /** Playbook run id, API key id (or cli:<user>), or share id. */
  id: z.string().min(1).max(200),
  /** Shared decisions, and playbook decisions reacting to a share: the jurisdictions it travelled through, origin first. */
  chain: z.array(z.string().max(200)).max(32).optional(),
  /**
   * Playbook decisions of a run started by `shared.indicator`: the share the run reacted to. The
   * decision then rests on that share (revoking it ends the decision unless other support remains).
   */
  share: z.string().min(1).max(200).optional(),
});
export type DecisionOrigin = z.infer<typeof DecisionOrigin>;

export const DecisionEnd = z.object({ at: z.string(), by: AuditActor, reason: z.string() });

/** A block decision, as stored. Every decision expires; `ended` is set when it is lifted before that. */
export const Decision = z.object({
  /** Decimal, from one counter per deployment (CrowdSec bouncers need numeric ids). */
  id: z.string().regex(/^\d+$/),
  /** Canonical: an address ("203.0.113.5", RFC 5952 for IPv6) or a network address with its prefix ("203.0.113.0/24"). */
  value: z.string(),
  scope: z.enum(['ip', 'range']),
  jurisdiction: z.string(),
  type: z.literal('ban'),
  created: z.string(),
  expires: z.string(),
  origin: DecisionOrigin,
  reason: z.string(),
  score: z.number().int().min(0).max(100),
  confidence: z.number().int().min(0).max(100),
  tlp: Tlp,
  /** Earlier bans of the same value in the same jurisdiction within the escalation look-back. */
  repeat: z.number().int().min(0),
  ended: DecisionEnd.nullable(),
});
export type Decision = z.infer<typeof Decision>;

export const DecisionStatus = z.enum(['active', 'expired', 'ended']);
export type DecisionStatus = z.infer<typeof DecisionStatus>;
export const DecisionView = Decision.extend({ status: DecisionStatus });
export type DecisionView = z.infer<typeof DecisionView>;

export function statusOf(d: Decision, now = Date.now()): DecisionStatus {
  if (d.ended) return 'ended';
  return Date.parse(d.expires) > now ? 'active' : 'expired';
}
export const viewOf = (d: Decision, now = Date.now()): DecisionView => ({ ...d, status: statusOf(d, now) });

/** What playbooks, sharing and people ask for; the service canonicalizes, checks and escalates. */
export const BanInput = z.object({
  value: z.string().min(1).max(64),
  jurisdiction: z.string().min(1),
  reason: z.string().trim().min(1).max(1000),
  /** Base duration before escalation: text ("24h", "30m", "1h30m") or milliseconds. Default blocklist.defaultDuration. */
  duration: z.union([z.string(), z.number().int().positive()]).optional(),
  origin: DecisionOrigin,
  actor: AuditActor,
  score: z.number().int().min(0).max(100).default(50),
  /** Defaults to the score. */
  confidence: z.number().int().min(0).max(100).optional(),
  tlp: Tlp.optional(),
  /** Repeat offenders get longer bans (default: blocklist.escalation.enabled). */
  escalate: z.boolean().optional(),
  /** The same key (per jurisdiction, for a day) returns the same decision instead of making another. */
  idempotencyKey: z.string().min(1).max(200).optional(),
  /** Extra context recorded in the audit entry (alert ids, rule, run). */
  detail: z.record(z.string(), z.unknown()).optional(),
});
export type BanInput = z.input<typeof BanInput>;

export type RefusalCode = 'invalid' | 'prefix' | 'allowlisted' | 'jurisdiction' | 'duration';
export type BanResult =
  | { ok: true; decision: Decision; /** false when an active decision for the value (or the idempotency key) already existed */ created: boolean }
  | { ok: false; refused: string; code: RefusalCode };

export type EndResult =
  | { ok: true; decision: Decision; /** false when it had already ended or expired */ ended: boolean }
  | { ok: false; refused: string; code: 'not-found' };

/** One entry of the per-jurisdiction change log (Redis stream): CrowdSec deltas, SSE, feed deltas. */
export const ChangeKind = z.enum(['created', 'ended', 'expired']);
export type ChangeKind = z.infer<typeof ChangeKind>;
export interface ChangeEntry {
  /** Stream id ("ms-seq"). */
  sid: string;
  kind: ChangeKind;
  id: string;
  /** Jurisdiction change counter after this change (created/ended only; expiry needs no re-render). */
  ver: number | null;
  decision: Decision | null;
}

// --- HTTP ---

const Bool = z.enum(['true', 'false']).transform((v) => v === 'true');

export const ListDecisionsQuery = z.strictObject({
  jurisdiction: z.string().optional(),
  active: Bool.optional(),
  value: z.string().max(64).optional().describe('an IP or CIDR; exact (canonical) match'),
  ...TimeRangeQuery,
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().regex(/^\d+$/).optional().describe('next from the previous page'),
});

export const DecisionPage = z.object({ items: z.array(DecisionView), next: z.string().nullable() });

export const CreateDecisionBody = z.strictObject({
  value: z.string().min(1).max(64).describe('IPv4/IPv6 address or CIDR'),
  duration: z.string().max(32).optional().describe('e.g. 30m, 24h, 7d, 1h30m; default blocklist.defaultDuration; escalated for repeat offenders'),
  reason: z.string().trim().min(1).max(1000),
  jurisdiction: z.string().optional(),
  score: z.number().int().min(0).max(100).optional().describe('default 100 for a manual block'),
  confidence: z.number().int().min(0).max(100).optional(),
  tlp: Tlp.optional(),
  escalate: z.boolean().optional(),
});

export const EndDecisionBody = z.strictObject({ reason: z.string().trim().min(1).max(1000) });
export const EndDecisionQuery = z.strictObject({ reason: z.string().trim().min(1).max(1000).optional() });
