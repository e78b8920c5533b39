import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Job } from 'bullmq';
import { AlertsStore } from '../alerts/alerts.store';
import { INGEST_QUEUE, StoreChunkJob, type JobPayload } from '../contracts/jobs';
import { CONFIG } from '../infra/config/config.module';
import type { GwanjeConfig } from '../infra/config/config.schema';
import { EventBus } from '../infra/events/event-bus';
import { MetricsService } from '../infra/metrics/metrics.service';
import { HandlesJob, WorksQueue, type JobHandler, type QueueWorker, type QueueWorkerSettings } from '../infra/queues/job-handler';

/**
 * `ingest.store-chunk`: stores each alert once, then announces the new ones (`alerts.stored`:
 * detection scores them, then playbooks see them). A listener's error fails the job, which is
 * retried; storage is idempotent, so a retried chunk announces only what is still new.
 */
@Injectable()
@HandlesJob(StoreChunkJob)
@WorksQueue(INGEST_QUEUE)
export class StoreChunkHandler implements JobHandler<typeof StoreChunkJob>, QueueWorker {
  private readonly log = new Logger('ingest-worker');

  constructor(
    @Inject(CONFIG) private readonly config: GwanjeConfig,
    private readonly alerts: AlertsStore,
    private readonly metrics: MetricsService,
    private readonly events: EventBus,
  ) {}

  workerSettings(): QueueWorkerSettings {
    return {
      run: this.config.role !== 'api',
      options: {
        concurrency: this.config.ingest.workerConcurrency,
        lockDuration: this.config.ingest.lockDurationMs,
        stalledInterval: this.config.ingest.lockDurationMs,
        // A chunk whose worker was killed is picked up again; storage is idempotent, so retrying is safe.
        maxStalledCount: 5,
      },
    };
  }

  async handle(data: JobPayload<typeof StoreChunkJob>, _job?: Job): Promise<{ stored: number; duplicates: number }> {
    const end = this.metrics.chunkSeconds.startTimer();
    const fresh = await this.alerts.storeChunk(data.alerts);
    await this.events.emit('alerts.stored', { alerts: fresh, batchId: data.batchId, chunk: data.chunk });
    end();
    const duplicates = data.alerts.length - fresh.length;
    this.metrics.alertsStored.inc({ jurisdiction: data.jurisdiction }, fresh.length);
    this.metrics.alertsDuplicate.inc(duplicates);
    this.log.debug({ batchId: data.batchId, chunk: data.chunk, jurisdiction: data.jurisdiction, stored: fresh.length, duplicates }, 'chunk stored');
    return { stored: fresh.length, duplicates };
  }
}
