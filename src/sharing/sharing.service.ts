import { Inject, Injectable, Logger, Optional, type OnApplicationBootstrap } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import { AlertsStore } from '../alerts/alerts.store';
import { AuditService } from '../audit/audit.service';
import type { AuditActor } from '../audit/audit.schemas';
import { ChangeFeed, type ChangeEvent } from '../blocklist/change-feed';
import { DecisionsService } from '../blocklist/decisions.service';
import { configDuration, formatDuration, parseDuration } from '../infra/time/duration';
import { CONFIG } from '../infra/config/config.module';
import type { GwanjeConfig } from '../infra/config/config.schema';
import { badRequest, notFound, unprocessable } from '../infra/http/problem';
import { parsePayload } from '../infra/queues/job';
import { QueuesService } from '../infra/queues/queues.service';
import { JurisdictionsService } from '../jurisdictions/jurisdictions.service';
import { APPROVALS, type ApprovalsPort } from '../playbooks/approvals/approvals.port';
import { SharedIndicatorJob, sharedIndicatorJobId, type SharedIndicatorPayload } from '../playbooks/triggers';
import { FederationOutbox } from './federation/federation.outbox';
import { chainToGlobal, chainToLocal, chainVisited, PeersService, type Peer } from './federation/peers.service';
import type { FederationBody } from './federation/signing';
import { SharingPoliciesService } from './policy/policies.service';
import type { EffectiveEdge } from './policy/trust';
import { ReviewDecidedJob } from './sharing.jobs';
import type { ShareRequest, ShareResult, SharingPort } from './sharing.port';
import {
  Evidence,
  ShareRequestSchema,
  type Delivery,
  type InboxEntry,
  type InboxState,
  type InboxView,
  type RevokeOutcome,
  type RevokeResultView,
  type Share,
  type ShareView,
} from './sharing.schemas';
import { SharingStore, type StoredShare } from './sharing.store';
import { stricterTlp, tlpForbids, tlpWithin } from './tlp';

/** Chains longer than this are refused (DecisionOrigin.chain holds at most 32). */
const MAX_CHAIN = 31;
const SUPPORTING: ReadonlySet<InboxState['status']> = new Set(['blocked', 'already-blocked', 'approved']);
const MAX_REASON = 1000;

export const viewOfShare = (s: StoredShare, now = Date.now()): ShareView => ({
  ...s.share,
  deliveries: s.deliveries,
  revoked: s.revoked,
  status: s.revoked ? 'revoked' : Date.parse(s.share.expires) > now ? 'active' : 'expired',
});

const clip = (text: string, max = MAX_REASON) => (text.length > max ? text.slice(0, max - 1) + '…' : text);
const newShareId = () => `sh-${Date.now().toString(36)}-${randomBytes(5).toString('hex')}`;
/** The local id of a share received from a peer: deterministic, so re-delivery finds it. */
export const peerShareId = (peer: string, remoteId: string) => `px-${createHash('sha256').update(`${peer}\n${remoteId}`).digest('hex').slice(0, 24)}`;

/** What travels with an indicator on every hop, inbox or peer. */
function indicatorOf(share: Share) {
  const { value, tlp, score, confidence, expires, reason, evidence } = share;
  return { value, tlp, score, confidence, expires, reason, evidence };
}

/**
 * Sharing between jurisdictions (and, through FederationOutbox / FederationReceiver, between
 * deployments). A share has one sender and many targets; each target's SharingPolicy edge decides
 * whether it reaches the inbox (mode, min confidence, max TLP) and what happens there: auto-block
 * (optionally only once k distinct origins reported the value), review (an approval), or nothing.
 * Provenance (origin, chain, run, evidence summary) travels with every entry; TLP only narrows; RED
 * never leaves its origin; a jurisdiction already on the chain is never sent it again.
 */

@Injectable()
export class SharingService implements SharingPort, OnApplicationBootstrap {
  private readonly log = new Logger('sharing');
  private readonly maxTtlMs: number;
  private unsubscribe: (() => void) | null = null;
  private watchChain: Promise<void> = Promise.resolve();

  constructor(
    @Inject(CONFIG) private readonly config: GwanjeConfig,
    private readonly store: SharingStore,
    private readonly policies: SharingPoliciesService,
    private readonly decisions: DecisionsService,
    private readonly jurisdictions: JurisdictionsService,
    private readonly audit: AuditService,
    private readonly queues: QueuesService,
    private readonly alerts: AlertsStore,
    private readonly peers: PeersService,
    private readonly outbox: FederationOutbox,
    @Optional() @Inject(APPROVALS) private readonly approvals?: ApprovalsPort,
    @Optional() private readonly changeFeed?: ChangeFeed,
  ) {
    this.maxTtlMs = configDuration(config.sharing.maxTtl);
    if (!approvals) this.log.warn('no approvals service: review edges leave entries pending-review');
  }

  async onApplicationBootstrap() {
    if (this.config.role === 'api') return;
    this.queues.worker(ReviewDecidedJob.queue, async (job) => {
      if (job.name !== ReviewDecidedJob.name) throw new Error(`unexpected job ${job.name} on queue ${ReviewDecidedJob.queue}`);
      return this.onReviewDecided(parsePayload(ReviewDecidedJob, job.data));
    }, { concurrency: 2 });
    if (this.config.sharing.revokeOnUnblock && this.changeFeed) {
      const ids = this.jurisdictions.list().map((j) => j.id);
      this.unsubscribe = await this.changeFeed.subscribe(
        ids,
        null,
        (e) => void (this.watchChain = this.watchChain.then(() => this.onDecisionChange(e)).catch((err) => this.log.error({ err }, 'revoke on unblock failed'))),
        () => (this.unsubscribe = null),
      );
    }
  }

  // --- publishing ---

  /** The port: publish an indicator from a jurisdiction to targets. */
  async share(req: ShareRequest): Promise<ShareResult> {
    const s = await this.publish(req);
    return { shareId: s.share.id, targets: s.deliveries.map(({ jurisdiction, delivered, reason }) => ({ jurisdiction, delivered, ...(reason ? { reason } : {}) })) };
  }

  /** The port: a receiver's playbook run reacting to a share blocked with this decision. */
  async linkDecision(shareId: string, decision: { id: string; value: string; jurisdiction: string; expires: string }): Promise<void> {
    await this.store.linkDecision(decision.id, decision.jurisdiction, shareId, decision.expires);
    // A run that acted after the share was revoked: settle now, so the decision does not outlive it
    // (revoke marks the share before it looks for decisions, so one of the two sees the other).
    const s = await this.store.getShare(shareId);
    if (s?.revoked) await this.settle(decision.jurisdiction, decision.value, { type: 'system', id: 'sharing', jurisdiction: decision.jurisdiction }, clip(`share ${shareId} from ${s.share.from} was revoked: ${s.revoked.reason}`));
  }

  async publish(raw: ShareRequest): Promise<StoredShare> {
    const parsed = ShareRequestSchema.safeParse(raw);
    if (!parsed.success) throw badRequest(`invalid share: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(input)'}: ${i.message}`).join('; ')}`);
    const req = parsed.data;
    if (!this.jurisdictions.has(req.from)) throw badRequest(`from: jurisdiction ${req.from} is not declared`);
    const checked = this.decisions.checkValue(req.value);
    if (!checked.ok) throw checked.code === 'invalid' ? badRequest(`value: ${checked.refused}`) : unprocessable(checked.refused);
    const value = checked.net.text;
    const ttlMs = parseDuration(req.ttl);
    if (ttlMs === null || ttlMs < 1000 || ttlMs > this.maxTtlMs) throw unprocessable(`ttl ${req.ttl} is outside 1s..${this.config.sharing.maxTtl} (sharing.maxTtl)`);

    if (req.idempotencyKey) {
      const earlier = await this.store.recallIdempotent(req.from, req.idempotencyKey);
      const found = earlier && (await this.store.getShare(earlier));
      if (found) return found;
    }
    let id = newShareId();
    if (req.idempotencyKey) {
      const holder = await this.store.claimIdempotent(req.from, req.idempotencyKey, id);
      if (holder !== id) {
        const found = await this.waitForShare(holder);
        if (found) return found;
        id = holder;
      }
    }

    const parent = await this.parentFor(req.from, value, req.parentShareId);
    const now = Date.now();
    const share: Share = {
      id,
      value,
      from: req.from,
      chain: parent ? [...parent.chain, req.from] : [req.from],
      parent: parent?.shareId ?? null,
      to: req.to,
      tlp: parent ? stricterTlp(req.tlp, parent.tlp) : req.tlp,
      score: req.score,
      confidence: req.confidence,
      ttl: req.ttl,
      created: new Date(now).toISOString(),
      expires: new Date(now + ttlMs).toISOString(),
      reason: req.reason,
      evidence: req.evidence,
      playbookRun: req.origin.playbookRun ?? null,
      actor: req.origin.actor,
      remote: null,
    };
    await this.store.saveShare(share);
    const deliveries = this.config.sharing.enabled
      ? await this.deliverAll(share, req.to, req.minConfidence)
      : req.to.map((t) => ({ jurisdiction: t, delivered: false, reason: 'sharing is disabled in this deployment (sharing.enabled)' }));
    await this.store.setDeliveries(id, deliveries);
    // Pull-based partners (TAXII) see what may leave the organization: CLEAR, GREEN, AMBER.
    if (tlpWithin(share.tlp, 'AMBER')) await this.store.taxiiAdd(share.from, id);
    await this.audit.record({
      actor: share.actor,
      action: 'share.sent',
      jurisdiction: share.from,
      target: { type: 'share', id },
      reason: share.reason,
      detail: {
        value,
        tlp: share.tlp,
        chain: share.chain,
        parent: share.parent,
        playbookRun: share.playbookRun,
        delivered: deliveries.filter((d) => d.delivered).map((d) => d.jurisdiction),
        refused: deliveries.filter((d) => !d.delivered).map((d) => ({ to: d.jurisdiction, reason: d.reason })),
      },
    });
    this.log.log({ shareId: id, value, from: share.from, tlp: share.tlp, chain: share.chain, delivered: deliveries.filter((d) => d.delivered).length, targets: deliveries.length }, 'share published');
    return { share, deliveries, revoked: null };
  }

  private async waitForShare(id: string): Promise<StoredShare | null> {
    for (let i = 0; i < 50; i++) {
      const s = await this.store.getShare(id);
      if (s && s.deliveries.length) return s;
      await new Promise((r) => setTimeout(r, 20));
    }
    return this.store.getShare(id);
  }

  /** The received share a jurisdiction forwards: the one named, else its latest live inbox entry of the value. */
  private async parentFor(from: string, value: string, parentShareId?: string): Promise<{ shareId: string; chain: string[]; tlp: Share['tlp'] } | null> {
    const now = Date.now();
    if (parentShareId) {
      const e = await this.store.getEntry(from, parentShareId);
      if (!e) throw badRequest(`parentShareId: ${parentShareId} is not in ${from}'s inbox`);
      if (e.value !== value) throw badRequest(`parentShareId: ${parentShareId} is about ${e.value}, not ${value}`);
      return { shareId: e.shareId, chain: e.chain, tlp: e.tlp };
    }
    const live = (await this.store.entriesFor(from, value)).filter((e) => !e.revoked && Date.parse(e.expires) > now && e.state.status !== 'denied');
    const last = live[live.length - 1];
    return last ? { shareId: last.shareId, chain: last.chain, tlp: last.tlp } : null;
  }

  /** Targets as asked for → local jurisdictions, peers, and names that are neither. */
  expandTargets(from: string, to: string[]): { local: string[]; peers: Peer[]; unknown: string[] } {
    const local = new Set<string>();
    const peers = new Map<string, Peer>();
    const unknown: string[] = [];
    const me = this.jurisdictions.get(from);
    for (const t of to) {
      if (t === 'children') me.children.forEach((c) => local.add(c));
      else if (t === 'parent') me.parent && local.add(me.parent);
      else if (t === 'siblings') (me.parent ? this.jurisdictions.get(me.parent).children : []).forEach((c) => local.add(c));
      else if (t === 'all') this.jurisdictions.list().forEach((j) => local.add(j.id));
      else if (t === 'peers') this.peers.list().filter((p) => p.enabled).forEach((p) => peers.set(p.id, p));
      else if (t.startsWith('peer:')) {
        const p = this.peers.get(t);
        if (p) peers.set(p.id, p);
        else unknown.push(t);
      } else if (this.jurisdictions.has(t)) local.add(t);
      else unknown.push(t);
    }
    local.delete(from);
    return { local: [...local], peers: [...peers.values()], unknown };
  }

  private async deliverAll(share: Share, to: string[], minConfidence?: number): Promise<Delivery[]> {
    const { local, peers, unknown } = this.expandTargets(share.from, to);
    const out: Delivery[] = unknown.map((t) => ({ jurisdiction: t, delivered: false, reason: `${t} is neither a declared jurisdiction nor a configured peer` }));
    const forbid = tlpForbids(share.tlp, share.parent === null) ?? (share.chain.length > MAX_CHAIN ? `forwarding chain longer than ${MAX_CHAIN}` : null);
    const below = minConfidence !== undefined && share.confidence < minConfidence ? `confidence ${share.confidence} is below the share's min_confidence ${minConfidence}` : null;
    for (const j of local) {
      if (forbid) out.push({ jurisdiction: j, delivered: false, reason: forbid });
      else if (share.chain.includes(j)) out.push({ jurisdiction: j, delivered: false, reason: `cycle: ${j} is already on the chain ${share.chain.join(' > ')}` });
      else if (below) out.push({ jurisdiction: j, delivered: false, reason: below });
      else out.push(await this.deliverSafely(share, j));
    }
    const globalChain = chainToGlobal(share.chain, this.peers.selfId);
    for (const p of peers) {
      const target = `peer:${p.id}`;
      if (forbid) out.push({ jurisdiction: target, delivered: false, reason: forbid });
      else if (chainVisited(globalChain, p.id)) out.push({ jurisdiction: target, delivered: false, reason: `cycle: the chain already passed through deployment ${p.id}` });
      else if (!tlpWithin(share.tlp, p.maxTlp)) out.push({ jurisdiction: target, delivered: false, reason: `TLP:${share.tlp} is above TLP:${p.maxTlp}, the most sent to peer ${p.id} (peers[].maxTlp)` });
      else if (below) out.push({ jurisdiction: target, delivered: false, reason: below });
      else if (!p.signKey) out.push({ jurisdiction: target, delivered: false, reason: `no signing key for peer ${p.id} (peers[].privateKey or sharing.federation.privateKey)` });
      else {
        const body: FederationBody = {
          type: 'share',
          id: share.id,
          ...indicatorOf(share),
          chain: globalChain,
          to: p.targets,
        };
        const { seq } = await this.outbox.enqueue(p.id, body);
        out.push({ jurisdiction: target, delivered: true, status: 'queued', reason: `queued for peer ${p.id} (message ${seq})` });
      }
    }
    return out;
  }

  private async deliverSafely(share: Share, j: string): Promise<Delivery> {
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
      callback: { queue: ReviewDecidedJob.queue, job: ReviewDecidedJob.name, data: { shareId: entry.shareId, jurisdiction: entry.jurisdiction } },
      idempotencyKey: `share-review:${entry.shareId}:${entry.jurisdiction}`,
    });
    await this.store.rememberReview(id, { jurisdiction: entry.jurisdiction, shareId: entry.shareId }, edge.review.timeoutMs);
    // The sender learns that nothing is blocked yet, and which approval decides.
    return this.state('pending-review', { approvalId: id, note: `awaiting review in ${entry.jurisdiction} (approval ${id}, ${edge.rule})` });
  }

  /** The approvals service decided a review edge's approval. */
  async onReviewDecided(p: { approvalId: string; outcome: string; shareId?: string; jurisdiction?: string }): Promise<InboxState | null> {
    const ref = p.shareId && p.jurisdiction ? { shareId: p.shareId, jurisdiction: p.jurisdiction } : await this.store.recallReview(p.approvalId);
    const entry = ref && (await this.store.getEntry(ref.jurisdiction, ref.shareId));
    if (!entry) {
      this.log.warn({ approvalId: p.approvalId, outcome: p.outcome }, 'review decided for an unknown inbox entry');
      return null;
    }
    if (entry.state.status !== 'pending-review') return entry.state;
    const approved = /^approve/i.test(p.outcome);
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
      await this.settle(entry.jurisdiction, entry.value, { type: 'system', id: 'sharing' }, `share ${entry.shareId} was revoked`);
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
    await this.queues.queue(SharedIndicatorJob.queue).add(SharedIndicatorJob.name, payload, { jobId: sharedIndicatorJobId(entry.shareId, entry.jurisdiction) });
  }

  // --- revocation ---

  /**
   * Revoke a share: every receiver's decision that rested only on it ends — the trust policy's, and
   * those receivers' playbooks made in reaction to it, wherever they blocked (one with its own
   * evidence, another live share, or a decision of its own keeps it) — forwarded copies are revoked
   * too, and peers it went to are told.
   */
  async revoke(id: string, actor: AuditActor, reason: string): Promise<RevokeResultView> {
    const stored = await this.store.getShare(id);
    if (!stored) throw notFound(`share ${id} does not exist`);
    const at = new Date().toISOString();
    if (!(await this.store.markRevoked(id, { at, by: actor, reason }))) return { shareId: id, revoked: false, outcomes: [], cascaded: [], peers: [] };
    const { share } = stored;
    // Forwarded copies first: their receivers' decisions rest on this share too.
    const cascaded: string[] = [];
    for (const kid of await this.store.kids(id)) {
      const r = await this.revoke(kid, actor, `forwarded share ${id} was revoked: ${reason}`).catch((err) => this.log.error({ err, shareId: kid }, 'cascade failed'));
      if (r?.revoked) cascaded.push(kid, ...r.cascaded);
    }
    const outcomes: RevokeResultView['outcomes'] = [];
    const endReason = clip(`share ${id} from ${share.from} revoked: ${reason}`);
    const settled = new Set<string>();
    for (const d of stored.deliveries) {
      if (!d.delivered || d.jurisdiction.startsWith('peer:')) continue;
      const j = d.jurisdiction;
      if (!(await this.store.markEntryRevoked(j, id, { at, reason, decision: 'none' }))) continue;
      settled.add(j);
      const decision = await this.settle(j, share.value, actor, endReason);
      await this.store.setEntryRevocation(j, id, { at, reason, decision });
      outcomes.push({ jurisdiction: j, decision });
    }
    // Receivers' playbooks may have blocked beyond the inboxes (a province's run blocking across its
    // cities): those decisions rest on this share too and are settled the same way.
    for (const j of await this.reactedTo(id, share.value)) {
      if (settled.has(j)) continue;
      outcomes.push({ jurisdiction: j, decision: await this.settle(j, share.value, actor, endReason) });
    }
    const peers: string[] = [];
    for (const d of stored.deliveries) {
      if (!d.delivered || !d.jurisdiction.startsWith('peer:')) continue;
      const p = this.peers.get(d.jurisdiction);
      if (!p) continue;
      await this.outbox.enqueue(p.id, { type: 'revoke', id, reason: clip(reason), at });
      peers.push(p.id);
    }
    if (!share.from.startsWith('peer:') && (await this.store.taxiiAddedOf(share.from, id)) !== null) await this.store.taxiiAdd(share.from, id);
    await this.audit.record({
      actor,
      action: 'share.revoked',
      jurisdiction: share.from.startsWith('peer:') ? null : share.from,
      target: { type: 'share', id },
      reason,
      detail: { value: share.value, outcomes, cascaded, peers },
    });
    this.log.log({ shareId: id, value: share.value, outcomes, cascaded: cascaded.length, peers }, 'share revoked');
    return { shareId: id, revoked: true, outcomes, cascaded, peers };
  }

  /** Jurisdictions whose active decision on the value a playbook run made or confirmed in reaction to this share. */
  private async reactedTo(shareId: string, value: string): Promise<string[]> {
    const ids = await this.store.jurisdictionsLinkedTo(shareId);
    const found = await Promise.all(
      ids.map(async (j) => {
        const d = await this.decisions.findActive(value, j);
        if (!d) return false;
        if (d.origin.type === 'playbook' && d.origin.share === shareId) return true;
        return (await this.store.linkedShares(d.id)).includes(shareId);
      }),
    );
    return ids.filter((_, i) => found[i]);
  }

  private async shareLive(id: string, now: number): Promise<boolean> {
    const s = await this.store.getShare(id);
    return !!s && !s.revoked && Date.parse(s.share.expires) > now;
  }

  /** After a share behind a jurisdiction's decision was revoked: does the decision stand on anything else? */
  async settle(j: string, value: string, actor: AuditActor, reason: string): Promise<RevokeOutcome> {
    const d = await this.decisions.findActive(value, j);
    if (!d) return 'none';
    // Manual decisions, and playbook decisions on the receiver's own triggers (its sensors' flags), are its own.
    if (d.origin.type === 'manual' || (d.origin.type === 'playbook' && !d.origin.share)) return 'kept-independent';
    const now = Date.now();
    // Shares it rests on through playbook runs: the one its run reacted to, and those whose runs found it in force.
    const reacted = new Set([...(d.origin.type === 'playbook' && d.origin.share ? [d.origin.share] : []), ...(await this.store.linkedShares(d.id))]);
    for (const id of reacted) if (await this.shareLive(id, now)) return 'kept-other-shares';
    const live = (await this.store.entriesFor(j, value)).filter((e) => !e.revoked && Date.parse(e.expires) > now);
    if (live.some((e) => e.needs <= 1 && SUPPORTING.has(e.state.status))) return 'kept-other-shares';
    const byRule = new Map<string, InboxView[]>();
    for (const e of live) if (e.needs > 1 && (SUPPORTING.has(e.state.status) || e.state.status === 'corroborating')) byRule.set(e.rule, [...(byRule.get(e.rule) ?? []), e]);
    for (const group of byRule.values()) if (new Set(group.map((e) => e.origin)).size >= group[0].needs && group.some((e) => SUPPORTING.has(e.state.status))) return 'kept-other-shares';
    if (await this.hasOwnEvidence(j, value)) return 'kept-own-evidence';
    const r = await this.decisions.end(d.id, { actor, reason });
    return r.ok ? 'ended' : 'none';
  }

  /** Alerts from the jurisdiction's own sensors (or those below it) about this address. */
  private async hasOwnEvidence(j: string, value: string): Promise<boolean> {
    if (value.includes('/')) return false;
    const page = await this.alerts.list([...this.jurisdictions.subtree(j)], { srcIp: value, limit: 1 });
    return page.items.length > 0;
  }

  /** A decision ended (unblock, allowlist, false positive): the shares its jurisdiction made of that value are revoked. */
  private async onDecisionChange(e: ChangeEvent): Promise<void> {
    const d = e.change.decision;
    if (e.change.kind !== 'ended' || !d?.ended) return;
    const now = Date.now();
    for (const id of await this.store.sharesOf(d.jurisdiction, d.value)) {
      const s = await this.store.getShare(id);
      if (!s || s.revoked || Date.parse(s.share.expires) <= now) continue;
      await this.revoke(id, d.ended.by, `decision ${d.id} on ${d.value} was lifted in ${d.jurisdiction}: ${d.ended.reason}`);
    }
  }

  // --- federation (called by FederationReceiver once a message verified) ---

  async receiveFromPeer(peer: Peer, body: Extract<FederationBody, { type: 'share' }>): Promise<StoredShare> {
    const id = peerShareId(peer.id, body.id);
    const existing = await this.store.getShare(id);
    if (existing) return existing;
    const now = Date.now();
    const checked = this.decisions.checkValue(body.value);
    const chain = chainToLocal(body.chain, this.peers.selfId);
    const expiresMs = Math.min(Date.parse(body.expires) || 0, now + this.maxTtlMs);
    const evidence = Evidence.safeParse(body.evidence);
    const share: Share = {
      id,
      value: checked.ok ? checked.net.text : body.value,
      from: `peer:${peer.id}`,
      chain,
      parent: null,
      to: body.to,
      tlp: body.tlp,
      score: body.score,
      confidence: body.confidence,
      ttl: formatDuration(Math.max(0, Math.floor((expiresMs - now) / 1000) * 1000)),
      created: new Date(now).toISOString(),
      expires: new Date(Math.max(expiresMs, now)).toISOString(),
      reason: clip(body.reason || `shared by peer ${peer.id}`),
      evidence: evidence.success ? evidence.data : Evidence.parse({}),
      playbookRun: null,
      actor: { type: 'peer', id: peer.id },
      remote: { peer: peer.id, id: body.id },
    };
    await this.store.saveShare(share);
    const asked = body.to.length ? body.to : [this.jurisdictions.primaryHub().id];
    const deliveries: Delivery[] = [];
    for (const j of new Set(asked)) {
      if (!checked.ok) deliveries.push({ jurisdiction: j, delivered: false, reason: checked.refused });
      else if (share.tlp === 'RED') deliveries.push({ jurisdiction: j, delivered: false, reason: 'TLP:RED never leaves its origin' });
      else if (!this.jurisdictions.has(j)) deliveries.push({ jurisdiction: j, delivered: false, reason: `${j} is not a jurisdiction of this deployment` });
      else if (peer.accept && !peer.accept.includes(j)) deliveries.push({ jurisdiction: j, delivered: false, reason: `peer ${peer.id} may not deliver to ${j} (peers[].accept)` });
      else if (chain.includes(j)) deliveries.push({ jurisdiction: j, delivered: false, reason: `cycle: ${j} is already on the chain ${chain.join(' > ')}` });
      else if (expiresMs - now < 1000) deliveries.push({ jurisdiction: j, delivered: false, reason: 'the share has expired' });
      else deliveries.push(await this.deliverSafely(share, j));
    }
    await this.store.setDeliveries(id, deliveries);
    await this.audit.record({
      actor: { type: 'peer', id: peer.id },
      action: 'federation.share-received',
      jurisdiction: null,
      target: { type: 'share', id },
      reason: share.reason,
      detail: { remoteId: body.id, value: share.value, chain, tlp: share.tlp, delivered: deliveries.filter((d) => d.delivered).map((d) => d.jurisdiction), refused: deliveries.filter((d) => !d.delivered) },
    });
    this.log.log({ shareId: id, peer: peer.id, remoteId: body.id, value: share.value, delivered: deliveries.filter((d) => d.delivered).length }, 'share received from peer');
    return { share, deliveries, revoked: null };
  }

  async revokeFromPeer(peer: Peer, body: Extract<FederationBody, { type: 'revoke' }>): Promise<RevokeResultView | null> {
    const id = peerShareId(peer.id, body.id);
    if (!(await this.store.getShare(id))) {
      this.log.warn({ peer: peer.id, remoteId: body.id }, 'peer revoked a share we never received');
      return null;
    }
    return this.revoke(id, { type: 'peer', id: peer.id }, body.reason || `revoked by peer ${peer.id}`);
  }

  // --- reads ---

  async get(id: string): Promise<ShareView | null> {
    const s = await this.store.getShare(id);
    return s ? viewOfShare(s) : null;
  }

  /** Who shared a value with the given jurisdictions, and what each did (IP profile). */
  async profile(value: string, jurisdictions: string[]): Promise<{ received: InboxView[]; sent: ShareView[] }> {
    const received = (await Promise.all(jurisdictions.map((j) => this.store.entriesFor(j, value)))).flat();
    const sentIds = (await Promise.all(jurisdictions.map((j) => this.store.sharesOf(j, value)))).flat();
    const now = Date.now();
    const sent = (await this.store.getShares(sentIds)).filter((s): s is StoredShare => !!s).map((s) => viewOfShare(s, now));
    return { received: received.sort((a, b) => b.received.localeCompare(a.received)), sent };
  }
}
