import type { AuditActor } from '../contracts/actor';
import type { ApprovalTarget } from '../contracts/approvals';

/**
 * The contract between domains that need a human decision (a playbook `approve` step, a share
 * received under a `review` trust edge, a tripped circuit breaker) and the approvals service
 * (src/approvals/). An approval is durable in Redis: it survives restarts.
 */
export const APPROVALS = Symbol('APPROVALS');

interface ApprovalRequestBase {
  /** Jurisdiction whose officers decide. */
  jurisdiction: string;
  /** One line an officer reads first: "Block 203.0.113.5 in seoul-jongno for 24h". */
  summary: string;
  /** The exact change that approval will make, and the evidence behind it. */
  change: Record<string, unknown>;
  evidence?: Record<string, unknown>;
  approvers: { roles: Array<'admin' | 'analyst'>; jurisdictions?: string[] };
  /** Distinct approvers needed (N of M). */
  quorum: number;
  timeoutMs: number;
  onTimeout: 'deny' | 'approve';
  /** Who asks (a playbook run, a share id). */
  requestedBy: AuditActor;
  /** Same key → same approval (idempotent re-delivery). */
  idempotencyKey?: string;
}

/** `kind` and `subject` come back with the outcome, as the `approval.decided` event. */
export type ApprovalRequest = ApprovalRequestBase & ApprovalTarget;

export interface ApprovalsPort {
  request(req: ApprovalRequest): Promise<{ id: string; created: boolean }>;
}
