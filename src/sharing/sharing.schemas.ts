import { z } from 'zod';
import { TimeRangeQuery } from '../infra/http/time-range';
import { AuditActor } from '../audit/audit.schemas';
import { durationText } from '../contracts/duration';
import { Evidence } from '../contracts/evidence';
import { ShareRequestSchema } from '../contracts/share';
import { Tlp } from '../contracts/tlp';
import { TrustMode } from './policy/policy.schema';

export { Tlp };

// The vocabulary shared with playbooks and federation lives in src/contracts.
export { Evidence, ShareRequestSchema };

/** Where a share went, per target: in its inbox (and what the policy did), or why not. */
export const Delivery = z.object({
  jurisdiction: z.string(),
  delivered: z.boolean(),
  reason: z.string().optional(),
  /** Inbox status for local targets; queued / delivered for peers. */
  status: z.string().optional(),
  decisionId: z.string().nullable().optional(),
  at: z.string().optional(),
});
export type Delivery = z.infer<typeof Delivery>;

export const Revocation = z.object({ at: z.string(), by: AuditActor, reason: z.string() });
export type Revocation = z.infer<typeof Revocation>;

/** A share as stored: one sender (a jurisdiction, or `peer:<id>` for one received from another deployment), many targets. */
export const Share = z.object({
  id: z.string(),
  value: z.string(),
  from: z.string(),
  /** Jurisdictions it travelled through, origin first, ending with `from` (other deployments' ids as `<deployment>/<jurisdiction>`). */
  chain: z.array(z.string()),
  /** The share this one forwards (the sender received it), if any. */
  parent: z.string().nullable(),
  /** Targets as asked for (ids, groups, peer:<id>). */
  to: z.array(z.string()),
  tlp: Tlp,
  score: z.number(),
  confidence: z.number(),
  ttl: z.string(),
  created: z.string(),
  expires: z.string(),
  reason: z.string(),
  evidence: Evidence,
  playbookRun: z.string().nullable(),
  actor: AuditActor,
  /** For a share received from another deployment: that peer and its share id. */
  remote: z.object({ peer: z.string(), id: z.string() }).nullable(),
});
export type Share = z.infer<typeof Share>;

export const ShareView = Share.extend({ deliveries: z.array(Delivery), revoked: Revocation.nullable(), status: z.enum(['active', 'expired', 'revoked']) });
export type ShareView = z.infer<typeof ShareView>;

export const InboxStatus = z.enum(['blocked', 'already-blocked', 'corroborating', 'pending-review', 'approved', 'denied', 'refused']);
export type InboxStatus = z.infer<typeof InboxStatus>;

/** What happened to a receiver's decision when the share behind it was revoked. */
export const RevokeOutcome = z.enum(['ended', 'kept-independent', 'kept-other-shares', 'kept-own-evidence', 'none']);
export type RevokeOutcome = z.infer<typeof RevokeOutcome>;

/** One indicator in one jurisdiction's inbox: what arrived, over which edge, and what the policy did. */
export const InboxEntry = z.object({
  shareId: z.string(),
  jurisdiction: z.string(),
  /** The sender (last hop). */
  from: z.string(),
  /** The origin jurisdiction (first of the chain). */
  origin: z.string(),
  value: z.string(),
  tlp: Tlp,
  score: z.number(),
  confidence: z.number(),
  expires: z.string(),
  reason: z.string(),
  evidence: Evidence,
  chain: z.array(z.string()),
  received: z.string(),
  /** The trust edge that applied. */
  rule: z.string(),
  mode: TrustMode,
  /** k of a k-of-n edge (1 otherwise). */
  needs: z.number().int().min(1),
});
export type InboxEntry = z.infer<typeof InboxEntry>;

export const InboxState = z.object({
  status: InboxStatus,
  decisionId: z.string().nullable(),
  approvalId: z.string().nullable(),
  note: z.string().nullable(),
  updated: z.string(),
});
export type InboxState = z.infer<typeof InboxState>;

export const InboxRevocation = z.object({ at: z.string(), reason: z.string(), decision: RevokeOutcome });
export const InboxView = InboxEntry.extend({ state: InboxState, revoked: InboxRevocation.nullable() });
export type InboxView = z.infer<typeof InboxView>;

// --- HTTP ---

export const ListSharesQuery = z.strictObject({
  direction: z.enum(['in', 'out']).default('out').describe('in: the inbox (received); out: shares sent'),
  jurisdiction: z.string().optional(),
  value: z.string().max(64).optional().describe('an IP or CIDR (canonical)'),
  ...TimeRangeQuery,
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().max(300).optional().describe('next from the previous page'),
});

export const CreateShareBody = z.strictObject({
  value: z.string().min(1).max(64).describe('IPv4/IPv6 address or CIDR'),
  from: z.string().optional().describe("sharing jurisdiction; default the key's"),
  to: z.array(z.string().min(1).max(200)).min(1).max(300).describe("jurisdiction ids, 'children' | 'parent' | 'siblings' | 'all', 'peer:<id>' | 'peers'"),
  tlp: Tlp.default('AMBER'),
  score: z.number().int().min(0).max(100).default(80),
  confidence: z.number().int().min(0).max(100).optional().describe('default the score'),
  ttl: durationText('a duration like 30m, 24h, 7d').optional().describe('default sharing.defaultTtl'),
  reason: z.string().trim().min(1).max(1000),
  evidence: Evidence.optional(),
  minConfidence: z.number().int().min(0).max(100).optional(),
  idempotencyKey: z.string().min(1).max(200).optional(),
});

export const RevokeShareBody = z.strictObject({ reason: z.string().trim().min(1).max(1000) });

export const ShareResultView = z.object({ shareId: z.string(), targets: z.array(z.object({ jurisdiction: z.string(), delivered: z.boolean(), reason: z.string().optional() })), share: ShareView.nullable() });

export const RevokeResultView = z.object({
  shareId: z.string(),
  revoked: z.boolean(),
  /** Per receiving jurisdiction: what happened to its decision. */
  outcomes: z.array(z.object({ jurisdiction: z.string(), decision: RevokeOutcome })),
  /** Forwarded shares revoked with it, and peers told. */
  cascaded: z.array(z.string()),
  peers: z.array(z.string()),
});
export type RevokeResultView = z.infer<typeof RevokeResultView>;
