import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { Job } from 'bullmq';
import { AlertsStore } from '../alerts/alerts.store';
import { CONFIG } from '../infra/config/config.module';
import type { GwanjeConfig } from '../infra/config/config.schema';
import { parsePayload } from '../infra/queues/job';
import { MetricsService } from '../infra/metrics/metrics.service';
import { QueuesService } from '../infra/queues/queues.service';
import { StoreChunkJob } from './ingest.schemas';

/** Hooks that run on the alerts a chunk newly stored (detection plugs in here). */
export const ALERT_SINKS = Symbol('ALERT_SINKS');
export interface AlertSink {
  onStored(alerts: import('../normalize/alert.schema').NormalizedAlert[], job: { batchId: string; chunk: number }): Promise<void>;
}

/** Consumes `ingest.store-chunk`: stores each alert once, then hands the new ones to the sinks. */
@Injectable()
export class IngestWorker implements OnApplicationBootstrap {
  private readonly log = new Logger('ingest-worker');

  constructor(
    @Inject(CONFIG) private readonly config: GwanjeConfig,
    private readonly queues: QueuesService,
    private readonly alerts: AlertsStore,
    private readonly metrics: MetricsService,
    @Inject(ALERT_SINKS) private readonly sinks: AlertSink[],
  ) {}

  onApplicationBootstrap() {
    if (this.config.role === 'api') return;
    this.queues.worker(StoreChunkJob.queue, (job) => this.process(job), {
      concurrency: this.config.ingest.workerConcurrency,
      lockDuration: this.config.ingest.lockDurationMs,
      stalledInterval: this.config.ingest.lockDurationMs,
      // A chunk whose worker was killed is picked up again; storage is idempotent, so retrying is safe.
      maxStalledCount: 5,
    });
    this.log.log({ concurrency: this.config.ingest.workerConcurrency }, 'ingest worker started');
  }

  async process(job: Job): Promise<{ stored: number; duplicates: number }> {
    if (job.name !== StoreChunkJob.name) throw new Error(`unexpected job ${job.name} on queue ${StoreChunkJob.queue}`);
    const data = parsePayload(StoreChunkJob, job.data);
    const end = this.metrics.chunkSeconds.startTimer();
    const fresh = await this.alerts.storeChunk(data.alerts);
    for (const sink of this.sinks) await sink.onStored(fresh, { batchId: data.batchId, chunk: data.chunk });
    end();
    const duplicates = data.alerts.length - fresh.length;
    this.metrics.alertsStored.inc({ jurisdiction: data.jurisdiction }, fresh.length);
    this.metrics.alertsDuplicate.inc(duplicates);
    this.log.debug({ batchId: data.batchId, chunk: data.chunk, jurisdiction: data.jurisdiction, stored: fresh.length, duplicates }, 'chunk stored');
    return { stored: fresh.length, duplicates };
  }
}
