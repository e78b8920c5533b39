import { z } from 'zod';
import { TimeRangeQuery } from '../infra/http/time-range';
import { AuditActor } from '../contracts/actor';
import { ApprovalKind } from '../contracts/approvals';

export const ApprovalStatus = z.enum(['pending', 'approved', 'rejected', 'timed-out']);
export type ApprovalStatus = z.infer<typeof ApprovalStatus>;

export const Vote = z.object({
  vote: z.enum(['approve', 'reject']),
  /** The approver: API key id, role and jurisdiction. */
  by: z.object({ keyId: z.string(), role: z.string(), jurisdiction: z.string() }),
  comment: z.string().nullable(),
  at: z.string(),
});
export type Vote = z.infer<typeof Vote>;

export const ApprovalRecord = z.object({
  id: z.string(),
  jurisdiction: z.string(),
  kind: ApprovalKind,
  summary: z.string(),
  change: z.record(z.string(), z.unknown()),
  evidence: z.record(z.string(), z.unknown()).nullable(),
  approvers: z.object({ roles: z.array(z.enum(['admin', 'analyst'])), jurisdictions: z.array(z.string()) }),
  quorum: z.number().int(),
  timeoutMs: z.number().int(),
  onTimeout: z.enum(['deny', 'approve']),
  requestedBy: AuditActor,
  /** What it decides (by kind): a run's step, a share in an inbox, a playbook's breaker. */
  subject: z.record(z.string(), z.string()),
  idempotencyKey: z.string().nullable(),
  status: ApprovalStatus,
  created: z.string(),
  /** When it times out if still pending. */
  deadline: z.string(),
  decided: z.string().nullable(),
  /** Whether the outcome lets the change go ahead (approved, or timed out with on_timeout: approve). */
  approved: z.boolean().nullable(),
  votes: z.array(Vote),
  /** The outcome was announced (`approval.decided`). */
  notified: z.boolean(),
});
export type ApprovalRecord = z.infer<typeof ApprovalRecord>;

export const ListApprovalsQuery = z.strictObject({
  status: ApprovalStatus.optional(),
  jurisdiction: z.string().optional(),
  ...TimeRangeQuery,
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
export const ApprovalPage = z.object({ items: z.array(ApprovalRecord) });

export const VoteBody = z.strictObject({ comment: z.string().trim().max(2000).optional() });

