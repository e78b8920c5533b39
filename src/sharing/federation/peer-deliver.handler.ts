import { Inject, Injectable } from '@nestjs/common';
import { FEDERATION_QUEUE, PeerDeliverJob, type JobPayload } from '../../contracts/jobs';
import { CONFIG } from '../../infra/config/config.module';
import type { GwanjeConfig } from '../../infra/config/config.schema';
import { HandlesJob, WorksQueue, type JobHandler, type QueueWorker, type QueueWorkerSettings } from '../../infra/queues/job-handler';
import { FederationDelivery } from './federation.delivery';
import { PeersService } from './peers.service';

/** Deliver a peer's outbox up to the job's seq. Runs only where peers are configured; the back-off is the delivery's (busy, down, other). */
@Injectable()
@HandlesJob(PeerDeliverJob)
@WorksQueue(FEDERATION_QUEUE)
export class PeerDeliverHandler implements JobHandler<typeof PeerDeliverJob>, QueueWorker {
  constructor(
    @Inject(CONFIG) private readonly config: GwanjeConfig,
    private readonly peers: PeersService,
    private readonly delivery: FederationDelivery,
  ) {}

  workerSettings(): QueueWorkerSettings {
    const peers = this.peers.list().length;
    return {
      run: this.config.role !== 'api' && peers > 0,
      options: {
        concurrency: Math.max(2, Math.min(8, peers * 2)),
        settings: { backoffStrategy: (attempts: number, _type?: string, err?: Error) => this.delivery.backoff(attempts, err) },
      },
    };
  }

  handle(payload: JobPayload<typeof PeerDeliverJob>) {
    return this.delivery.deliver(payload);
  }
}
