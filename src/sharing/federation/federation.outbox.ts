import { Inject, Injectable, Logger } from '@nestjs/common';
import { CONFIG } from '../../infra/config/config.module';
import type { GwanjeConfig } from '../../infra/config/config.schema';
import { QueuesService } from '../../infra/queues/queues.service';
import { PeerDeliverJob, peerDeliverJobId } from '../../contracts/jobs';
import { FederationStore } from './federation.store';
import type { FederationBody } from './signing';

/**
 * Outbound messages to peers: appended to the peer's outbox in Redis (durable, numbered), then a
 * delivery job is queued. Delivery is the worker's (FederationDelivery): in order, each message
 * once acknowledged, retried with backoff while the peer is down.
 */
@Injectable()
export class FederationOutbox {
  private readonly log = new Logger('federation-outbox');

  constructor(
    private readonly store: FederationStore,
    private readonly queues: QueuesService,
    @Inject(CONFIG) private readonly config: GwanjeConfig,
  ) {}

  async enqueue(peer: string, body: FederationBody): Promise<{ seq: number }> {
    const { epoch, seq } = await this.store.enqueue(peer, JSON.stringify(body));
    await this.kick(peer, epoch, seq);
    this.log.debug({ peer, seq, type: body.type, id: body.id }, 'queued for peer');
    return { seq };
  }

  /** Queue a delivery of everything up to `seq` (a job per message; re-adding the same id is a no-op). */
  async kick(peer: string, epoch: string, seq: number): Promise<void> {
    const r = this.config.sharing.federation.retry;
    // Retention is the federation queue's (QUEUE_RETENTION).
    await this.queues.enqueue(PeerDeliverJob, { peer, epoch, seq }, { jobId: peerDeliverJobId(peer, epoch, seq), attempts: r.attempts, backoff: { type: 'peer' } });
  }
}
