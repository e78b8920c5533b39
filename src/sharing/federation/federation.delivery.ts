import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { UnrecoverableError } from 'bullmq';
import { randomBytes } from 'node:crypto';
import { AuditService } from '../../audit/audit.service';
import { CONFIG } from '../../infra/config/config.module';
import type { GwanjeConfig } from '../../infra/config/config.schema';
import { QueuesService } from '../../infra/queues/queues.service';
import { PeerDeliverJob, type JobPayload } from '../../contracts/jobs';
import { SharingStore } from '../sharing.store';
import { FederationOutbox } from './federation.outbox';
import { FederationStore } from './federation.store';
import { PeersService, type Peer } from './peers.service';
import { FederationBody, signEnvelope } from './signing';

/** Another job of this peer holds the delivery lock: retry very soon. */
class PeerBusy extends Error {
  override name = 'PeerBusy';
}
/** The peer is unreachable (or refused us for a reason that may pass): retry once the down mark expires. */
export class PeerDown extends Error {
  override name = 'PeerDown';
  constructor(message: string, readonly retryInMs: number) {
    super(message);
  }
}

type SendResult = { ok: true } | { ok: false; permanent: boolean; why: string };

/**
 * Delivers each peer's outbox in order. A job for message N delivers every unacknowledged message
 * up to N (so a later job carries an earlier message that is waiting out its backoff), under a
 * per-peer lock; each message is signed when sent (fresh timestamp and nonce) and acknowledged
 * before the next. While a peer is down one job probes it; the others wait for the down mark to
 * pass. The receiver drops a (epoch, seq) it already applied, so nothing is applied twice.
 */
@Injectable()
export class FederationDelivery implements OnApplicationBootstrap {
  private readonly log = new Logger('federation-delivery');
  private readonly retry: GwanjeConfig['sharing']['federation']['retry'];
  private readonly timeoutMs: number;

  constructor(
    @Inject(CONFIG) private readonly config: GwanjeConfig,
    private readonly queues: QueuesService,
    private readonly store: FederationStore,
    private readonly outbox: FederationOutbox,
    private readonly peers: PeersService,
    private readonly sharing: SharingStore,
    private readonly audit: AuditService,
  ) {
    this.retry = config.sharing.federation.retry;
    this.timeoutMs = config.sharing.federation.requestTimeoutMs;
  }

  async onApplicationBootstrap() {
    // The worker is PeerDeliverHandler's (started by the job runner where peers are configured).
    if (this.config.role === 'api' || !this.peers.list().length) return;
    // Whatever was left unacknowledged (a crash between outbox and queue, exhausted retries) is delivered now.
    for (const p of this.peers.list()) {
      const pos = await this.store.position(p.id);
      if (pos.epoch && pos.head > pos.acked) {
        this.log.log({ peer: p.id, pending: pos.head - pos.acked }, 'resuming delivery of queued messages');
        await this.queues.enqueue(PeerDeliverJob, { peer: p.id, epoch: pos.epoch, seq: pos.head }, { jobId: `fed-${p.id}-${pos.epoch}-${pos.head}-resume-${Date.now()}`, attempts: this.retry.attempts, backoff: { type: 'peer' } });
      }
    }
  }

  /**
   * A busy lock retries at once-ish; a down peer when its down mark passes (the mark grows
   * exponentially from baseMs to maxMs with consecutive failures, so the peer is probed by one job
   * at that pace); anything else exponentially, capped at maxMs. Jitter spreads the wake-ups.
   */
  backoff(attempts: number, err?: Error): number {
    if (err?.name === 'PeerBusy') return 20 + Math.floor(Math.random() * 80);
    if (err?.name === 'PeerDown') return Math.round(((err as PeerDown).retryInMs || this.retry.baseMs) * (1 + Math.random() * 0.2)) + 10;
    const exp = Math.min(this.retry.maxMs, this.retry.baseMs * 2 ** Math.min(30, Math.max(0, attempts - 1)));
    return Math.round(exp * (0.8 + Math.random() * 0.4));
  }

  private downBackoff = (failures: number) => Math.min(this.retry.maxMs, this.retry.baseMs * 2 ** Math.min(30, failures - 1));

  async deliver({ peer: peerId, epoch, seq }: JobPayload<typeof PeerDeliverJob>): Promise<{ delivered: number }> {
    const peer = this.peers.get(peerId);
    if (!peer) throw new UnrecoverableError(`peer ${peerId} is not configured (or disabled)`);
    if (!peer.signKey) throw new UnrecoverableError(`no signing key for peer ${peerId}`);
    const pos = await this.store.position(peerId);
    if (pos.epoch !== epoch || pos.acked >= seq) return { delivered: 0 };
    const down = await this.store.downFor(peerId);
    if (down > 0) throw new PeerDown(`peer ${peerId} is down; next probe in ${down} ms`, down);
    const token = randomBytes(9).toString('base64url');
    const lockMs = this.timeoutMs + 5000;
    if (!(await this.store.lock(peerId, token, lockMs))) throw new PeerBusy(`another delivery to ${peerId} is running`);
    let delivered = 0;
    try {
      for (let next = (await this.store.position(peerId)).acked + 1; next <= seq; next++) {
        const text = await this.store.message(peerId, next);
        if (text === null) {
          await this.store.ack(peerId, next);
          continue;
        }
        const r = await this.send(peer, epoch, next, text);
        if (r.ok) {
          await this.store.ack(peerId, next);
          await this.store.markUp(peerId);
          await this.acknowledged(peerId, text);
          delivered++;
        } else if (r.permanent) {
          this.log.error({ peer: peerId, seq: next, why: r.why }, 'peer refused the message for good; dropped');
          await this.audit.record({ actor: { type: 'system', id: 'federation' }, action: 'federation.dropped', target: { type: 'peer', id: peerId }, reason: r.why, detail: { seq: next } });
          await this.store.ack(peerId, next);
        } else {
          const { failures, ms } = await this.store.markDown(peerId, this.downBackoff);
          this.log.warn({ peer: peerId, seq: next, failures, retryInMs: ms, why: r.why }, 'peer unreachable; will retry');
          throw new PeerDown(`peer ${peerId}: ${r.why}`, ms);
        }
        await this.store.refresh(peerId, token, lockMs);
      }
    } finally {
      await this.store.unlock(peerId, token);
    }
    if (delivered) this.log.debug({ peer: peerId, upTo: seq, delivered }, 'delivered to peer');
    return { delivered };
  }

  private async acknowledged(peer: string, text: string) {
    const body = FederationBody.safeParse(JSON.parse(text));
    if (body.success && body.data.type === 'share') await this.sharing.setDeliveries(body.data.id, [{ jurisdiction: `peer:${peer}`, delivered: true, status: 'acknowledged', at: new Date().toISOString() }]);
  }

  /** Sign (now) and post one message. */
  async send(peer: Peer, epoch: string, seq: number, bodyText: string): Promise<SendResult> {
    const payload = `{"epoch":${JSON.stringify(epoch)},"seq":${seq},"body":${bodyText}}`;
    const env = signEnvelope({ from: this.peers.selfId, to: peer.id, payload }, peer.signKey!);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (peer.apiKey) headers.authorization = `Bearer ${peer.apiKey}`;
    let res: Response;
    try {
      res = await fetch(new URL('v1/federation/inbox', peer.url.endsWith('/') ? peer.url : peer.url + '/'), { method: 'POST', headers, body: JSON.stringify(env), signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (e) {
      const err = e as Error & { cause?: { code?: string } };
      return { ok: false, permanent: false, why: `${err.cause?.code ?? err.name}: ${err.message}` };
    }
    const text = await res.text().catch(() => '');
    if (res.ok) return { ok: true };
    let code: string | undefined;
    try {
      code = JSON.parse(text).code;
    } catch {
      /* not problem JSON */
    }
    // A malformed message will never be accepted; anything else (keys, clocks, the peer's config, outages) may pass.
    return { ok: false, permanent: code === 'invalid', why: `HTTP ${res.status}${code ? ` ${code}` : ''}: ${text.slice(0, 300)}` };
  }
}
