import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { AuditService } from '../audit/audit.service';
import { DecisionsService } from '../blocklist/decisions.service';
import { configDuration, parseDuration } from '../contracts/duration';
import { CONFIG } from '../infra/config/config.module';
import type { GwanjeConfig } from '../infra/config/config.schema';
import { Invalid, Refused } from '../contracts/errors';
import { JurisdictionsService } from '../jurisdictions/jurisdictions.service';
import { FederationOutbox } from './federation/federation.outbox';
import { chainToGlobal, chainVisited, PeersService, type Peer } from './federation/peers.service';
import type { FederationBody } from './federation/signing';
import { InboxPolicyService } from './inbox-policy.service';
import { SharingRevocationService } from './revocation.service';
import { indicatorOf } from './sharing.common';
import type { ShareRequest, ShareResult, SharingPort } from './sharing.port';
import { ShareRequestSchema, type Delivery, type InboxView, type Share, type ShareView } from './sharing.schemas';
import { SharingStore, type StoredShare } from './sharing.store';
import { stricterTlp, tlpForbids, tlpWithin } from '../contracts/tlp';

/** Chains longer than this are refused (DecisionOrigin.chain holds at most 32). */
const MAX_CHAIN = 31;

export const viewOfShare = (s: StoredShare, now = Date.now()): ShareView => ({
  ...s.share,
  deliveries: s.deliveries,
  revoked: s.revoked,
  status: s.revoked ? 'revoked' : Date.parse(s.share.expires) > now ? 'active' : 'expired',
});

const newShareId = () => `sh-${Date.now().toString(36)}-${randomBytes(5).toString('hex')}`;

/**
 * Publishing (and reading) shares between jurisdictions and to peers: a share has one sender and
 * many targets; each local target goes through its inbox policy (InboxPolicyService), each peer
 * through the federation outbox. Provenance (origin, chain, run, evidence summary) travels with
 * every entry; TLP only narrows; RED never leaves its origin; a jurisdiction already on the chain
 * is never sent it again. Revocation is SharingRevocationService, peers' shares FederationIntake.
 */
@Injectable()
export class SharingService implements SharingPort {
  private readonly log = new Logger('sharing');
  private readonly maxTtlMs: number;

  constructor(
    @Inject(CONFIG) private readonly config: GwanjeConfig,
    private readonly store: SharingStore,
    private readonly decisions: DecisionsService,
    private readonly jurisdictions: JurisdictionsService,
    private readonly audit: AuditService,
    private readonly peers: PeersService,
    private readonly outbox: FederationOutbox,
    private readonly inbox: InboxPolicyService,
    private readonly revocation: SharingRevocationService,
  ) {
    this.maxTtlMs = configDuration(config.sharing.maxTtl);
  }

  /** The port: publish an indicator from a jurisdiction to targets. */
  async share(req: ShareRequest): Promise<ShareResult> {
    const s = await this.publish(req);
    return { shareId: s.share.id, targets: s.deliveries.map(({ jurisdiction, delivered, reason }) => ({ jurisdiction, delivered, ...(reason ? { reason } : {}) })) };
  }

  /** The port: a receiver's playbook run reacting to a share blocked with this decision. */
  linkDecision(shareId: string, decision: { id: string; value: string; jurisdiction: string; expires: string }): Promise<void> {
    return this.revocation.linkDecision(shareId, decision);
  }

  async publish(raw: ShareRequest): Promise<StoredShare> {
    const parsed = ShareRequestSchema.safeParse(raw);
    if (!parsed.success) throw new Invalid(`invalid share: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(input)'}: ${i.message}`).join('; ')}`);
    const req = parsed.data;
    if (!this.jurisdictions.has(req.from)) throw new Invalid(`from: jurisdiction ${req.from} is not declared`);
    const checked = this.decisions.checkValue(req.value);
    if (!checked.ok) throw checked.code === 'invalid' ? new Invalid(`value: ${checked.refused}`) : new Refused(checked.refused);
    const value = checked.net.text;
    const ttlMs = parseDuration(req.ttl);
    if (ttlMs === null || ttlMs < 1000 || ttlMs > this.maxTtlMs) throw new Refused(`ttl ${req.ttl} is outside 1s..${this.config.sharing.maxTtl} (sharing.maxTtl)`);

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
      if (!e) throw new Invalid(`parentShareId: ${parentShareId} is not in ${from}'s inbox`);
      if (e.value !== value) throw new Invalid(`parentShareId: ${parentShareId} is about ${e.value}, not ${value}`);
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
      else if (t === 'parent') {
        if (me.parent) local.add(me.parent);
      }
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
      else out.push(await this.inbox.deliverSafely(share, j));
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
