import { Inject, Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { AuditService } from '../../audit/audit.service';
import { DecisionsService } from '../../blocklist/decisions.service';
import { configDuration, formatDuration } from '../../contracts/duration';
import { CONFIG } from '../../infra/config/config.module';
import type { GwanjeConfig } from '../../infra/config/config.schema';
import { JurisdictionsService } from '../../jurisdictions/jurisdictions.service';
import { InboxPolicyService } from '../inbox-policy.service';
import { SharingRevocationService } from '../revocation.service';
import { clip } from '../sharing.common';
import { Evidence, type Delivery, type RevokeResultView, type Share } from '../sharing.schemas';
import { SharingStore, type StoredShare } from '../sharing.store';
import { chainToLocal, PeersService, type Peer } from './peers.service';
import type { FederationBody } from './signing';

/** The local id of a share received from a peer: deterministic, so re-delivery finds it. */
export const peerShareId = (peer: string, remoteId: string) => `px-${createHash('sha256').update(`${peer}\n${remoteId}`).digest('hex').slice(0, 24)}`;

/**
 * Federation intake: a peer's verified share (FederationReceiver checked signature, freshness,
 * replay and order) becomes a local share from `peer:<id>`, delivered to the jurisdictions it names
 * through their inbox policy like any other; a peer's revoke revokes it here.
 */
@Injectable()
export class FederationIntake {
  private readonly log = new Logger('sharing');
  private readonly maxTtlMs: number;

  constructor(
    @Inject(CONFIG) config: GwanjeConfig,
    private readonly store: SharingStore,
    private readonly decisions: DecisionsService,
    private readonly jurisdictions: JurisdictionsService,
    private readonly audit: AuditService,
    private readonly peers: PeersService,
    private readonly inbox: InboxPolicyService,
    private readonly revocation: SharingRevocationService,
  ) {
    this.maxTtlMs = configDuration(config.sharing.maxTtl);
  }

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
      else deliveries.push(await this.inbox.deliverSafely(share, j));
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
    return this.revocation.revoke(id, { type: 'peer', id: peer.id }, body.reason || `revoked by peer ${peer.id}`);
  }
}
