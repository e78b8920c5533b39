import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import type { AuditActor } from '../audit/audit.schemas';
import { DecisionsService } from '../blocklist/decisions.service';
import { formatDuration } from '../contracts/duration';
import { CONFIG } from '../infra/config/config.module';
import type { GwanjeConfig } from '../infra/config/config.schema';
import { QueuesService } from '../infra/queues/queues.service';
import { APPROVALS, type ApprovalsPort } from '../approvals/approvals.port';
import { SharingPoliciesService } from './policy/policies.service';
import type { EffectiveEdge } from './policy/trust';
import { SharingRevocationService } from './revocation.service';
import { clip, indicatorOf, SUPPORTING } from './sharing.common';
import { SharedIndicatorJob, sharedIndicatorJobId, type SharedIndicatorPayload } from '../contracts/jobs';
import type { Delivery, InboxEntry, InboxState, Share } from './sharing.schemas';
import { SharingStore } from './sharing.store';
import { tlpWithin } from '../contracts/tlp';

/**
 * A receiving jurisdiction's inbox: its SharingPolicy edge filters what arrives (mode, min
 * confidence, max TLP) and acts on it (auto-block, optionally once k distinct origins reported the
 * value; review, an approval decided through the review-decided job; or nothing), and its
 * playbooks hear of every accepted entry (`shared.indicator`).
 */
@Injectable()
export class InboxPolicyService {
  private readonly log = new Logger('sharing');

  constructor(
    @Inject(CONFIG) private readonly config: GwanjeConfig,
    private readonly store: SharingStore,
    private readonly policies: SharingPoliciesService,
    private readonly decisions: DecisionsService,
    private readonly audit: AuditService,
    private readonly queues: QueuesService,
    private readonly revocation: SharingRevocationService,
    @Optional() @Inject(APPROVALS) private readonly approvals?: ApprovalsPort,
  ) {
    if (!approvals) this.log.warn('no approvals service: review edges leave entries pending-review');
  }

  /** One target; a failure becomes that target's answer to the sender, not an error. */
  async deliverSafely(share: Share, j: string): Promise<Delivery> {
    try {
      return await this.deliverLocal(share, j);
    } catch (err) {
      this.log.error({ err, shareId: share.id, to: j }, 'delivery failed');
      return { jurisdiction: j, delivered: false, reason: `delivery failed: ${(err as Error).message}` };
    }
  }

  /** One target: the receiver's edge filters, the entry lands in its inbox, the edge's mode acts, its playbooks hear of it. */
  async deliverLocal(share: Share, j: string): Promise<Delivery> {
    const edge = this.policies.current().edge(share.from, j);
    if (edge.mode === 'ignore') return { jurisdiction: j, delivered: false, reason: `ignored by ${j}'s ${edge.rule}` };
    if (share.confidence < edge.minConfidence) return { jurisdiction: j, delivered: false, reason: `confidence ${share.confidence} is below ${edge.minConfidence}, the least ${j} accepts (${edge.rule})` };
    if (!tlpWithin(share.tlp, edge.maxTlp)) return { jurisdiction: j, delivered: false, reason: `TLP:${share.tlp} is above TLP:${edge.maxTlp}, the most ${j} accepts (${edge.rule})` };
    const now = Date.now();
    if (Date.parse(share.expires) - now < 1000) return { jurisdiction: j, delivered: false, reason: 'the share has expired' };
    const entry: InboxEntry = {
      shareId: share.id,
      jurisdiction: j,
      from: share.from,
      origin: share.chain[0],
      ...indicatorOf(share),
      chain: share.chain,
      received: new Date(now).toISOString(),
      rule: edge.rule,
      mode: edge.mode,
      needs: edge.mode === 'auto-block' && edge.corroboration ? edge.corroboration.k : 1,
    };
    const created = await this.store.addEntry(entry, { status: edge.mode === 'review' ? 'pending-review' : 'corroborating', decisionId: null, approvalId: null, note: 'received', updated: entry.received });
    if (!created) {
      const had = await this.store.getEntry(j, share.id);
      return { jurisdiction: j, delivered: true, status: had?.state.status, decisionId: had?.state.decisionId ?? null, reason: had?.state.note ?? undefined };
    }
    let state: InboxState;
    if (edge.mode === 'review') state = await this.requestReview(entry, edge);
    else if (edge.corroboration) state = await this.corroborate(entry, edge.corroboration);
    else state = await this.block(entry);
    await this.store.setState(j, share.id, state);
    await this.notifyPlaybooks(entry);
    await this.audit.record({
      actor: this.actorFor(entry),
      action: 'share.received',
      jurisdiction: j,
      target: { type: 'share', id: share.id },
      reason: share.reason,
      detail: { value: share.value, from: share.from, chain: share.chain, tlp: share.tlp, rule: edge.rule, mode: edge.mode, status: state.status, decisionId: state.decisionId, approvalId: state.approvalId, note: state.note },
    });
    return { jurisdiction: j, delivered: true, status: state.status, decisionId: state.decisionId, ...(state.note ? { reason: state.note } : {}) };
  }

  private actorFor(entry: Pick<InboxEntry, 'from' | 'jurisdiction'>): AuditActor {
    return entry.from.startsWith('peer:') ? { type: 'peer', id: entry.from.slice(5), jurisdiction: entry.jurisdiction } : { type: 'system', id: 'sharing', jurisdiction: entry.jurisdiction };
  }

  private state(status: InboxState['status'], extra: Partial<InboxState> = {}): InboxState {
    return { status, decisionId: null, approvalId: null, note: null, updated: new Date().toISOString(), ...extra };
  }

  /** Ban in the receiving jurisdiction on the share's behalf (allowlists and prefix rules apply there). */
  private async block(entry: InboxEntry, status: 'blocked' | 'approved' = 'blocked'): Promise<InboxState> {
    const remaining = Date.parse(entry.expires) - Date.now();
    if (remaining < 1000) return this.state('refused', { note: 'the share expired before it could be acted on' });
    const via = entry.origin !== entry.from ? ` (origin ${entry.origin})` : '';
    const r = await this.decisions.ban({
      value: entry.value,
      jurisdiction: entry.jurisdiction,
      reason: clip(`shared by ${entry.from}${via}: ${entry.reason}`),
      duration: remaining,
      origin: { type: 'shared', id: entry.shareId, chain: entry.chain.slice(0, 32) },
      actor: this.actorFor(entry),
      score: Math.round(entry.score),
      confidence: Math.round(entry.confidence),
      tlp: entry.tlp,
      escalate: false,
      idempotencyKey: `share:${entry.shareId}`,
      detail: { shareId: entry.shareId, from: entry.from, rule: entry.rule },
    });
    if (!r.ok) return this.state('refused', { note: r.refused });
    if (r.created) return this.state(status, { decisionId: r.decision.id });
    const own = r.decision.origin.type === 'shared' ? `shared by ${r.decision.origin.id}` : `${r.decision.origin.type} ${r.decision.origin.id}`;
    return this.state(status === 'approved' ? 'approved' : 'already-blocked', { decisionId: r.decision.id, note: `already blocked (${own})` });
  }

  /** k-of-n: block once k distinct origins reported the value over this edge within the window. */
  private async corroborate(entry: InboxEntry, c: { k: number; windowMs: number }): Promise<InboxState> {
    const now = Date.now();
    const peers = (await this.store.entriesFor(entry.jurisdiction, entry.value)).filter(
      (e) => !e.revoked && e.rule === entry.rule && Date.parse(e.received) >= now - c.windowMs && Date.parse(e.expires) > now && (e.state.status === 'corroborating' || SUPPORTING.has(e.state.status)),
    );
    const origins = [...new Set([...peers.map((e) => e.origin), entry.origin])];
    if (origins.length < c.k) return this.state('corroborating', { note: `${origins.length} of ${c.k} distinct jurisdictions so far (${origins.join(', ')})` });
    const state = await this.block(entry);
    const note = `corroborated by ${origins.length} jurisdictions: ${origins.join(', ')}`;
    if (state.decisionId) {
      for (const e of peers) if (e.shareId !== entry.shareId && e.state.status === 'corroborating') await this.store.setState(e.jurisdiction, e.shareId, this.state('already-blocked', { decisionId: state.decisionId, note }));
    }
    return { ...state, note: state.status === 'refused' ? state.note : note };
  }

  private async requestReview(entry: InboxEntry, edge: EffectiveEdge): Promise<InboxState> {
    if (!this.approvals) return this.state('pending-review', { note: 'no approvals service in this deployment' });
    const ttl = formatDuration(Math.max(1000, Math.floor((Date.parse(entry.expires) - Date.now()) / 1000) * 1000));
    const { id } = await this.approvals.request({
      jurisdiction: entry.jurisdiction,
      kind: 'share-review',
      summary: `Block ${entry.value} in ${entry.jurisdiction} for ${ttl} (shared by ${entry.from}${entry.origin !== entry.from ? `, origin ${entry.origin}` : ''})`,
      change: { action: 'block', value: entry.value, jurisdiction: entry.jurisdiction, duration: ttl, shareId: entry.shareId },
      evidence: { reason: entry.reason, score: entry.score, confidence: entry.confidence, tlp: entry.tlp, chain: entry.chain, rule: edge.rule, ...entry.evidence },
      approvers: { roles: ['admin', 'analyst'], jurisdictions: [entry.jurisdiction] },
      quorum: edge.review.quorum,
      timeoutMs: edge.review.timeoutMs,
      onTimeout: edge.review.onTimeout,
      requestedBy: this.actorFor(entry),
      subject: { shareId: entry.shareId, jurisdiction: entry.jurisdiction },
      idempotencyKey: `share-review:${entry.shareId}:${entry.jurisdiction}`,
    });
    await this.store.rememberReview(id, { jurisdiction: entry.jurisdiction, shareId: entry.shareId }, edge.review.timeoutMs);
    // The sender learns that nothing is blocked yet, and which approval decides.
    return this.state('pending-review', { approvalId: id, note: `awaiting review in ${entry.jurisdiction} (approval ${id}, ${edge.rule})` });
  }

  /** The approvals service decided a review edge's approval. */
  async onReviewDecided(p: { approvalId: string; outcome: string; approved?: boolean; shareId?: string; jurisdiction?: string }): Promise<InboxState | null> {
    const ref = p.shareId && p.jurisdiction ? { shareId: p.shareId, jurisdiction: p.jurisdiction } : await this.store.recallReview(p.approvalId);
    const entry = ref && (await this.store.getEntry(ref.jurisdiction, ref.shareId));
    if (!entry) {
      this.log.warn({ approvalId: p.approvalId, outcome: p.outcome }, 'review decided for an unknown inbox entry');
      return null;
    }
    if (entry.state.status !== 'pending-review') return entry.state;
    // A timed-out review with on_timeout: approve goes ahead: the approval says so in `approved`.
    const approved = p.approved ?? /^approve/i.test(p.outcome);
    let state: InboxState;
    if (entry.revoked) state = this.state('denied', { approvalId: p.approvalId, note: `the share was revoked before the review ended (${p.outcome})` });
    else if (!approved) state = this.state('denied', { approvalId: p.approvalId, note: `review ${p.outcome}` });
    else {
      const b = await this.block(entry, 'approved');
      state = { ...b, approvalId: p.approvalId, status: b.status === 'refused' ? 'refused' : 'approved' };
    }
    await this.store.setState(entry.jurisdiction, entry.shareId, state);
    await this.audit.record({
      actor: { type: 'system', id: 'sharing', jurisdiction: entry.jurisdiction },
      action: 'share.review-decided',
      jurisdiction: entry.jurisdiction,
      target: { type: 'share', id: entry.shareId },
      reason: p.outcome,
      detail: { approvalId: p.approvalId, value: entry.value, status: state.status, decisionId: state.decisionId },
    });
    // Revoked while we were banning: settle again so the decision does not outlive its share.
    if (state.decisionId && (await this.store.getEntry(entry.jurisdiction, entry.shareId))?.revoked)
      await this.revocation.settle(entry.jurisdiction, entry.value, { type: 'system', id: 'sharing' }, `share ${entry.shareId} was revoked`);
    return state;
  }

  private async notifyPlaybooks(entry: InboxEntry): Promise<void> {
    const payload: SharedIndicatorPayload = {
      shareId: entry.shareId,
      value: entry.value,
      from: entry.from,
      to: entry.jurisdiction,
      tlp: entry.tlp,
      score: entry.score,
      confidence: entry.confidence,
      ttl: formatDuration(Math.max(1000, Math.floor((Date.parse(entry.expires) - Date.now()) / 1000) * 1000)),
      reason: entry.reason,
      evidence: entry.evidence,
      chain: entry.chain.slice(0, 32),
    };
    await this.queues.enqueue(SharedIndicatorJob, payload, { jobId: sharedIndicatorJobId(entry.shareId, entry.jurisdiction) });
  }
}
