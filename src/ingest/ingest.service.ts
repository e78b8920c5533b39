import { Inject, Injectable, Logger } from '@nestjs/common';
import type { JobsOptions } from 'bullmq';
import { createHash, randomUUID } from 'node:crypto';
import { CONFIG } from '../infra/config/config.module';
import type { GwanjeConfig } from '../infra/config/config.schema';
import { MetricsService } from '../infra/metrics/metrics.service';
import { QueuesService } from '../infra/queues/queues.service';
import type { IngestFormat, NormalizedAlert } from '../normalize/alert.schema';
import { normalizeLine } from '../normalize/normalizer';
import type { BodyLine } from './body';
import { IngestStore } from './ingest.store';
import { StoreChunkJob, type IngestResponse, type StoreChunkPayload } from './ingest.schemas';

export interface IngestContext {
  jurisdiction: string;
  format: IngestFormat;
  timezone?: string;
  source: 'http' | 'syslog';
  /** Given for idempotent requests so a retry produces the same batch and job ids. */
  batchId?: string;
}

/**
 * Normalizes lines where they arrive (so the sender learns at once which lines were bad) and
 * enqueues the alerts in chunks for the workers. Bad lines go to the rejects store; they never
 * block the rest of their batch and are never retried.
 */
@Injectable()
export class IngestService {
  private readonly log = new Logger('ingest');

  constructor(
    @Inject(CONFIG) private readonly config: GwanjeConfig,
    private readonly queues: QueuesService,
    private readonly store: IngestStore,
    private readonly metrics: MetricsService,
  ) {}

  static batchIdFor(jurisdiction: string, idempotencyKey: string): string {
    return 'b' + createHash('sha256').update(`${jurisdiction}\0${idempotencyKey}`).digest('base64url').slice(0, 22);
  }

  async ingest(lines: BodyLine[], ctx: IngestContext): Promise<IngestResponse> {
    const batchId = ctx.batchId ?? 'b' + randomUUID().replace(/-/g, '').slice(0, 22);
    const receivedAt = Date.now();
    const opts = {
      format: ctx.format,
      jurisdiction: ctx.jurisdiction,
      receivedAt,
      timezone: ctx.timezone ?? this.config.ingest.defaultTimezone,
      originalMaxBytes: this.config.ingest.originalMaxBytes,
      maxLineBytes: this.config.ingest.maxLineBytes,
    };
    const alerts: NormalizedAlert[] = [];
    const rejected: IngestResponse['rejected'] = [];
    const rejectRows: Parameters<IngestStore['addRejects']>[0] = [];
    let skipped = 0;
    for (const { line, text } of lines) {
      const out = normalizeLine(text, line, opts);
      if (out.kind === 'alert') alerts.push(out.alert);
      else if (out.kind === 'skip') skipped++;
      else {
        rejected.push({ line, error: out.error });
        rejectRows.push({ jurisdiction: ctx.jurisdiction, batchId, source: ctx.source, line, format: ctx.format, error: out.error, raw: out.raw });
      }
    }

    const size = this.config.ingest.chunkSize;
    const jobs: Array<{ name: string; data: StoreChunkPayload; opts: JobsOptions }> = [];
    for (let i = 0; i * size < alerts.length; i++)
      jobs.push({
        name: StoreChunkJob.name,
        data: { batchId, chunk: i, jurisdiction: ctx.jurisdiction, alerts: alerts.slice(i * size, (i + 1) * size) },
        opts: { ...StoreChunkJob.options, jobId: `${batchId}-${i}` },
      });
    await Promise.all([jobs.length ? this.queues.queue(StoreChunkJob.queue).addBulk(jobs) : undefined, this.store.addRejects(rejectRows)]);

    this.metrics.ingestLines.inc({ jurisdiction: ctx.jurisdiction, source: ctx.source, outcome: 'accepted' }, alerts.length);
    this.metrics.ingestLines.inc({ jurisdiction: ctx.jurisdiction, source: ctx.source, outcome: 'skipped' }, skipped);
    this.metrics.ingestLines.inc({ jurisdiction: ctx.jurisdiction, source: ctx.source, outcome: 'rejected' }, rejected.length);
    this.log.debug({ batchId, jurisdiction: ctx.jurisdiction, accepted: alerts.length, skipped, rejected: rejected.length, chunks: jobs.length }, 'batch enqueued');
    return { batchId, accepted: alerts.length, skipped, rejected, duplicate: false };
  }
}
