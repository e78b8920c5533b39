import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Job } from 'bullmq';
import { AlertsStore } from '../alerts/alerts.store';
import { INGEST_QUEUE, StoreChunkJob, type JobPayload } from '../contracts/jobs';
import { CONFIG } from '../infra/config/config.module';
import type { GwanjeConfig } from '../infra/config/config.schema';
import { EventBus } from '../infra/events/event-bus';
import { MetricsService } from '../infra/metrics/metrics.service';
import { HandlesJob, WorksQueue, type JobHandler, type QueueWorker, type QueueWorkerSettings } from '../infra/queues/job-handler';
import { IngestTotals } from './ingest-totals.service';

/**
 * `ingest.store-chunk`: stores each alert once, then announces the new ones (`alerts.stored`:
 * detection scores them, then playbooks see them). A listener's error fails the job, which is
 * retried; storage is idempotent, and a retried chunk announces what it stored on any attempt,
 * new or not, so a worker killed between store and score loses no scoring (detection marks each
 * chunk scored in the same Lua call that applies it, so nothing is scored twice either).
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
    private readonly totals: IngestTotals,
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

  async handle(data: JobPayload<typeof StoreChunkJob>, job?: Job): Promise<{ stored: number; duplicates: number }> {
    const end = this.metrics.chunkSeconds.startTimer();
    let fresh: typeof data.alerts;
    // Same on every attempt of this job, unique per job (its creation time tells a reused batch id apart).
    const chunkId = `${data.batchId}-${data.chunk}@${job?.timestamp ?? 0}`;
    try {
      const stored = await this.alerts.storeChunk(data.alerts, chunkId);
      fresh = stored.fresh;
      if (this.config.ingest.testCrashAfterStore) process.kill(process.pid, 'SIGKILL'); // test only: die between store and score
      // A retry offers again what an earlier attempt stored; detection scores each chunk once (docs/detection.md).
      await this.events.emit('alerts.stored', { alerts: stored.pending, batchId: data.batchId, chunk: data.chunk, chunkId });
    } catch (err) {
      // The last attempt leaves the backlog too (the job stays listed as failed), or the bound would never clear.
      if (job && job.attemptsMade + 1 >= (job.opts.attempts ?? 1)) await this.totals.decided(data.alerts.length).catch(() => undefined);
      throw err;
    }
    // Stored and scored: out of the deployment's backlog (the ingest side counted it in).
    await this.totals.decided(data.alerts.length);
    end();
    const duplicates = data.alerts.length - fresh.length;
    this.metrics.alertsStored.inc({ jurisdiction: data.jurisdiction }, fresh.length);
    this.metrics.alertsDuplicate.inc(duplicates);
    this.log.debug({ batchId: data.batchId, chunk: data.chunk, jurisdiction: data.jurisdiction, stored: fresh.length, duplicates }, 'chunk stored');
    return { stored: fresh.length, duplicates };
  }
}
