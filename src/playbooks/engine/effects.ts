import type { AuditActor } from '../../audit/audit.schemas';
import type { BanInput, BanResult, EndResult } from '../../blocklist/decisions.schemas';
import type { ApprovalRequest } from '../../approvals/approvals.port';
import type { ShareRequest, ShareResult } from '../../contracts/share';

export interface NotifyRequest {
  url: string;
  secret: string;
  body: unknown;
  headers: Record<string, string>;
  /** Stable per run and step (or the step's idempotency_key): receivers deduplicate on it. */
  deliveryId: string;
  timeoutMs: number;
}
export interface NotifyResult {
  status: number;
  attempts: number;
}

export interface TagRequest {
  ip: string;
  jurisdiction: string;
  tags: string[];
  note: string | null;
  ttlMs: number;
  runId: string;
  playbookId: string;
}

export type Refusal = { code: string; refused: string };

/**
 * Everything a run does to the world, and the read-only checks it makes. The worker passes the
 * real services; simulate, `gwanje test` and backtests pass read-only ones (the same executor runs).
 */
export interface Effects {
  ban(input: BanInput): Promise<BanResult>;
  unban(value: string, jurisdiction: string, by: { actor: AuditActor; reason: string }): Promise<EndResult>;
  share(req: ShareRequest): Promise<ShareResult>;
  /** Record that a run reacting to a share blocked with this decision (sharing's revocation reads it). Absent in dry runs. */
  linkShare?(shareId: string, decision: { id: string; value: string; jurisdiction: string; expires: string }): Promise<void>;
  notify(req: NotifyRequest): Promise<NotifyResult>;
  tag(req: TagRequest): Promise<void>;
  requestApproval(req: ApprovalRequest): Promise<{ id: string; created: boolean }>;

  /** Would the block-list refuse this value here (prefix, allowlist)? No side effects. */
  checkTarget(value: string, jurisdiction: string): Promise<Refusal | null>;
  /** Earlier bans of the value in the jurisdiction within the escalation look-back. */
  previousBans(value: string, jurisdiction: string): Promise<number>;
  /** The block-list's own escalation (blocklist.escalation). */
  escalated(baseMs: number, repeat: number, escalate: boolean): number;
  /** The active decision for the value, if any (unblock previews). */
  activeDecision(value: string, jurisdiction: string): Promise<{ id: string; expires: string } | null>;

  breakerOpen(playbookId: string): Promise<{ openedAt: string; reason: string } | null>;
  /** Count one side effect against the playbook's hourly cap; refused when the cap is reached. Re-taking the same member is free. */
  takeBudget(playbookId: string, member: string, cap: number): Promise<{ ok: boolean; count: number }>;
  releaseBudget(playbookId: string, member: string): Promise<void>;
  /** Open the breaker (once) and raise an approval to resume. */
  tripBreaker(info: { playbookId: string; owner: string; runId: string; cap: number; count: number }): Promise<{ approvalId: string | null }>;

  jurisdictions: JurisdictionTree;
}

export interface JurisdictionTree {
  has(id: string): boolean;
  children(id: string): string[];
  subtree(id: string): Set<string>;
}
