import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { AuditService } from '../audit/audit.service';
import type { Principal } from '../auth/auth.schemas';
import { actorOf } from '../auth/auth.schemas';
import { CONFIG } from '../infra/config/config.module';
import type { GwanjeConfig } from '../infra/config/config.schema';
import { Conflict, Forbidden, NotFound } from '../contracts/errors';
import { QueuesService } from '../infra/queues/queues.service';
import { JurisdictionsService } from '../jurisdictions/jurisdictions.service';
import { ApprovalTarget } from '../contracts/approvals';
import { ApprovalTimeoutJob, jobId } from '../contracts/jobs';
import { EventBus } from '../infra/events/event-bus';
import type { ApprovalRequest, ApprovalsPort } from './approvals.port';
import type { ApprovalRecord } from './approvals.schemas';
import { ApprovalsStore } from './approvals.store';

/**
 * Durable approvals (the APPROVALS port): stored in Redis, decided by a quorum of distinct
 * approvers (API keys) of the right roles and jurisdictions, timed out by a BullMQ delayed job
 * (never a timer), and announced as `approval.decided` (its listeners queue their own jobs) before
 * it is marked reported — so a restart of any process at any point loses nothing.
 */
@Injectable()
export class ApprovalsService implements ApprovalsPort {
  private readonly log = new Logger('approvals');

  constructor(
    private readonly store: ApprovalsStore,
    private readonly queues: QueuesService,
    private readonly events: EventBus,
    private readonly audit: AuditService,
    private readonly jurisdictions: JurisdictionsService,
    @Inject(CONFIG) private readonly config: GwanjeConfig,
  ) {}

  async request(req: ApprovalRequest): Promise<{ id: string; created: boolean }> {
    if (!this.jurisdictions.has(req.jurisdiction)) throw new Error(`approval: jurisdiction ${req.jurisdiction} is not declared`);
    if (!Number.isInteger(req.quorum) || req.quorum < 1) throw new Error(`approval: quorum must be a whole number ≥ 1, got ${req.quorum}`);
    if (!(req.timeoutMs > 0)) throw new Error(`approval: timeout must be positive, got ${req.timeoutMs}`);
    const now = Date.now();
    const id = `apr-${randomBytes(8).toString('hex')}`;
    const approvers = { roles: req.approvers.roles.length ? req.approvers.roles : (['admin', 'analyst'] as const).slice(), jurisdictions: req.approvers.jurisdictions?.length ? req.approvers.jurisdictions : [req.jurisdiction] };
    const res = await this.store.create({
      id,
      jurisdiction: req.jurisdiction,
      kind: req.kind,
      summary: req.summary,
      change: req.change,
      evidence: req.evidence ?? null,
      approvers: approvers,
      quorum: req.quorum,
      timeoutMs: req.timeoutMs,
      onTimeout: req.onTimeout,
      requestedBy: req.requestedBy,
      subject: req.subject,
      idempotencyKey: req.idempotencyKey ?? null,
      created: new Date(now).toISOString(),
      deadline: new Date(now + req.timeoutMs).toISOString(),
    });
    if (!res.created) return res;
    await this.scheduleTimeout(id, req.timeoutMs);
    await this.audit.record({
      actor: req.requestedBy,
      action: 'approval.requested',
      jurisdiction: req.jurisdiction,
      target: { type: 'approval', id },
      reason: req.summary,
      detail: { kind: req.kind, quorum: req.quorum, approvers, timeoutMs: req.timeoutMs, onTimeout: req.onTimeout, change: req.change },
    });
    this.log.log({ approvalId: id, jurisdiction: req.jurisdiction, kind: req.kind, quorum: req.quorum }, 'approval requested');
    return res;
  }

  private scheduleTimeout(approvalId: string, delay: number, attempt = 0) {
    return this.queues.enqueue(ApprovalTimeoutJob, { approvalId }, { jobId: jobId('approval-timeout', approvalId, String(attempt)), delay: Math.max(0, delay), attempts: 10, backoff: { type: 'exponential', delay: 1000 } });
  }

  get(id: string): Promise<ApprovalRecord | null> {
    return this.store.get(id);
  }

  /** Who may vote: a key of one of the approver roles whose jurisdiction is one of the approver jurisdictions or above it. */
  eligible(a: ApprovalRecord, who: Principal): string | null {
    if (!(a.approvers.roles as string[]).includes(who.role)) return `role ${who.role} may not decide this approval; approvers: ${a.approvers.roles.join(', ')}`;
    const mine = this.jurisdictions.subtree(who.jurisdiction);
    if (!a.approvers.jurisdictions.some((j) => mine.has(j))) return `a key of ${who.jurisdiction} may not decide this approval; approvers are in ${a.approvers.jurisdictions.join(', ')} (or above)`;
    return null;
  }

  /** What a key may see: approvals of its jurisdictions, and those it may decide. */
  visible(a: ApprovalRecord, who: Principal): boolean {
    const mine = this.jurisdictions.subtree(who.jurisdiction);
    return mine.has(a.jurisdiction) || a.approvers.jurisdictions.some((j) => mine.has(j));
  }

  list(who: Principal, q: { status?: string; jurisdiction?: string; limit: number }): Promise<ApprovalRecord[]> {
    return this.store.list({ status: q.status, limit: q.limit, keep: (a) => this.visible(a, who) && (!q.jurisdiction || a.jurisdiction === q.jurisdiction) });
  }

  async vote(id: string, who: Principal, vote: 'approve' | 'reject', comment: string | null): Promise<ApprovalRecord> {
    const a = await this.store.get(id);
    if (!a || !this.visible(a, who)) throw new NotFound(`approval ${id} does not exist`);
    const why = this.eligible(a, who);
    if (why) throw new Forbidden(why);
    if (a.status !== 'pending') throw new Conflict(`approval ${id} is already ${a.status}`);
    const code = await this.store.vote(id, { vote, by: { keyId: who.keyId, role: who.role, jurisdiction: who.jurisdiction }, comment, at: new Date().toISOString() });
    if (code === 'missing') throw new NotFound(`approval ${id} does not exist`);
    if (code === 'closed') throw new Conflict(`approval ${id} was decided meanwhile`);
    if (code === 'again') throw new Conflict(`key ${who.keyId} has voted on approval ${id} already; the quorum counts distinct approvers`);
    await this.audit.record({
      actor: actorOf(who),
      action: vote === 'approve' ? 'approval.approved' : 'approval.rejected',
      jurisdiction: a.jurisdiction,
      target: { type: 'approval', id },
      reason: comment,
      detail: { approver: { keyId: who.keyId, role: who.role, jurisdiction: who.jurisdiction }, kind: a.kind, quorum: a.quorum, decided: code === 'decided' },
    });
    this.log.log({ approvalId: id, vote, by: who.keyId, jurisdiction: who.jurisdiction, decided: code === 'decided' }, 'approval vote');
    const after = (await this.store.get(id))!;
    if (code === 'decided') await this.report(after);
    return (await this.store.get(id))!;
  }

  /** The timeout job fired: time the approval out (or, if decided but not yet reported, report it). */
  async timeout(id: string): Promise<void> {
    const code = await this.store.expire(id);
    const a = await this.store.get(id);
    if (!a) return;
    if (code === 'early') {
      // A clock skew between processes: try again at the deadline.
      await this.scheduleTimeout(id, Date.parse(a.deadline) - Date.now() + 50, Date.now());
      return;
    }
    if (code === 'timed-out') {
      await this.audit.record({
        actor: { type: 'system', id: 'approvals' },
        action: 'approval.timed-out',
        jurisdiction: a.jurisdiction,
        target: { type: 'approval', id },
        reason: `no decision within ${Math.round(a.timeoutMs / 1000)} s; on_timeout: ${a.onTimeout}`,
        detail: { kind: a.kind, votes: a.votes.length, quorum: a.quorum, approved: a.approved },
      });
      this.log.warn({ approvalId: id, jurisdiction: a.jurisdiction, onTimeout: a.onTimeout }, 'approval timed out');
    }
    if (a.status !== 'pending' && !a.notified) await this.report(a);
  }

  /** Announce the outcome (listeners queue idempotent jobs), then remember it was sent. */
  private async report(a: ApprovalRecord): Promise<void> {
    const outcome = a.status === 'approved' ? 'approved' : a.status === 'rejected' ? 'rejected' : 'timed-out';
    const target = ApprovalTarget.parse({ kind: a.kind, subject: a.subject });
    await this.events.emit('approval.decided', { ...target, approvalId: a.id, jurisdiction: a.jurisdiction, outcome, approved: a.approved === true });
    await this.store.markNotified(a.id);
    if (a.status !== 'timed-out') await this.queues.queue(ApprovalTimeoutJob.queue).remove(jobId('approval-timeout', a.id, '0')).catch(() => undefined);
  }
}
