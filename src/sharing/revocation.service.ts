import { Inject, Injectable, Logger, Optional, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { AlertsStore } from '../alerts/alerts.store';
import { AuditService } from '../audit/audit.service';
import type { AuditActor } from '../audit/audit.schemas';
import { ChangeFeed, type ChangeEvent } from '../blocklist/change-feed';
import { DecisionsService } from '../blocklist/decisions.service';
import { CONFIG } from '../infra/config/config.module';
import type { GwanjeConfig } from '../infra/config/config.schema';
import { NotFound } from '../contracts/errors';
import { JurisdictionsService } from '../jurisdictions/jurisdictions.service';
import { FederationOutbox } from './federation/federation.outbox';
import { PeersService } from './federation/peers.service';
import { clip, SUPPORTING } from './sharing.common';
import type { InboxView, RevokeOutcome, RevokeResultView } from './sharing.schemas';
import { SharingStore } from './sharing.store';

/**
 * Revocation: which receivers' decisions rested on a share (the trust policy's, and those their
 * playbooks made in reaction to it), ending those nothing else supports, cascading to forwards and
 * peers; and revoking a jurisdiction's shares when it lifts its own decision (sharing.revokeOnUnblock).
 */
@Injectable()
export class SharingRevocationService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly log = new Logger('sharing');
  private unsubscribe: (() => void) | null = null;
  private watchChain: Promise<void> = Promise.resolve();

  constructor(
    @Inject(CONFIG) private readonly config: GwanjeConfig,
    private readonly store: SharingStore,
    private readonly decisions: DecisionsService,
    private readonly jurisdictions: JurisdictionsService,
    private readonly audit: AuditService,
    private readonly alerts: AlertsStore,
    private readonly peers: PeersService,
    private readonly outbox: FederationOutbox,
    @Optional() private readonly changeFeed?: ChangeFeed,
  ) {}

  async onApplicationBootstrap() {
    if (this.config.role === 'api') return;
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

  onModuleDestroy() {
    this.unsubscribe?.();
  }

  /** A receiver's playbook run reacting to a share blocked with this decision. */
  async linkDecision(shareId: string, decision: { id: string; value: string; jurisdiction: string; expires: string }): Promise<void> {
    await this.store.linkDecision(decision.id, decision.jurisdiction, shareId, decision.expires);
    // A run that acted after the share was revoked: settle now, so the decision does not outlive it
    // (revoke marks the share before it looks for decisions, so one of the two sees the other).
    const s = await this.store.getShare(shareId);
    if (s?.revoked) await this.settle(decision.jurisdiction, decision.value, { type: 'system', id: 'sharing', jurisdiction: decision.jurisdiction }, clip(`share ${shareId} from ${s.share.from} was revoked: ${s.revoked.reason}`));
  }

  /**
   * Revoke a share: every receiver's decision that rested only on it ends — the trust policy's, and
   * those receivers' playbooks made in reaction to it, wherever they blocked (one with its own
   * evidence, another live share, or a decision of its own keeps it) — forwarded copies are revoked
   * too, and peers it went to are told.
   */
  async revoke(id: string, actor: AuditActor, reason: string): Promise<RevokeResultView> {
    const stored = await this.store.getShare(id);
    if (!stored) throw new NotFound(`share ${id} does not exist`);
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
}
