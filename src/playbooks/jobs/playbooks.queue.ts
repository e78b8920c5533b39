import { Inject, Injectable } from '@nestjs/common';
import { PLAYBOOKS_QUEUE } from '../../contracts/jobs';
import { CONFIG } from '../../infra/config/config.module';
import type { GwanjeConfig } from '../../infra/config/config.schema';
import { WorksQueue, type QueueWorker, type QueueWorkerSettings } from '../../infra/queues/job-handler';

/**
 * The `playbooks` queue (worker role): triggers start runs, run jobs advance them, approval outcomes
 * and deadlines resume them. Everything is in Redis, so a worker killed at any point is replaced by
 * another that picks up where it stopped.
 */
@Injectable()
@WorksQueue(PLAYBOOKS_QUEUE)
export class PlaybooksQueue implements QueueWorker {
  constructor(@Inject(CONFIG) private readonly config: GwanjeConfig) {}

  workerSettings(): QueueWorkerSettings {
    return {
      run: this.config.role !== 'api' && this.config.playbooks.enabled,
      options: { concurrency: this.config.playbooks.workerConcurrency, lockDuration: 60_000, maxStalledCount: 5 },
    };
  }
}
