import { Inject, Injectable, Logger } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { CONFIG } from '../infra/config/config.module';
import type { GwanjeConfig } from '../infra/config/config.schema';
import { MetricsService } from '../infra/metrics/metrics.service';
import { QueuesService } from '../infra/queues/queues.service';
import type { FormatId, NormalizedAlert } from '../contracts/alert';
import { FormatsRegistry } from '../formats/formats.registry';
import { boundUtf8, copyId, normalizeLine, type LineOutcome, type NormalizeOptions } from '../normalize/normalizer';
import type { BodyLine, LineOrigin } from './body';
import { IngestStore } from './ingest.store';
import { IngestTotals } from './ingest-totals.service';
import { StoreChunkJob, type StoreChunkPayload } from '../contracts/jobs';
import type { IngestResponse } from './ingest.schemas';

/** Longest stretch of normalizing between two turns of the event loop. */
const SLICE_MS = 10;
/** Store-chunk jobs sent to the queue per call while a body is still being read. */
const JOBS_PER_CALL = 20;

/** What a syslog message's id hashes: it is unique by receipt, so identical messages are all counted. */
const syslogIdentity = (o: LineOrigin) => `syslog\0${o.listener}\0${o.sender}\0${o.receivedAt}\0${o.messageId}`;

export interface IngestContext {
  jurisdiction: string;
  /** Checked by the caller against FormatsRegistry.has (an unknown id rejects every line). */
  format: FormatId;
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
    private readonly formats: FormatsRegistry,
    private readonly totals: IngestTotals,
  ) {}

  static batchIdFor(jurisdiction: string, idempotencyKey: string): string {
    return 'b' + createHash('sha256').update(`${jurisdiction}\0${idempotencyKey}`).digest('base64url').slice(0, 22);
  }

  /**
   * Normalize and enqueue a body's lines as they come (the iterable is read once, lazily): chunks go
   * to the queue as they fill, only the first `rejectsPerBatch` rejects are listed and stored (all
   * are counted), and the loop yields to the event loop every few milliseconds so that a 16 MiB body
   * of garbage neither holds giant arrays nor stalls /health.
   */
  async ingest(lines: Iterable<BodyLine>, ctx: IngestContext): Promise<IngestResponse> {
    const batchId = ctx.batchId ?? 'b' + randomUUID().replace(/-/g, '').slice(0, 22);
    const receivedAt = Date.now();
    const opts: NormalizeOptions = {
      format: ctx.format,
      formats: this.formats,
      jurisdiction: ctx.jurisdiction,
      receivedAt,
      timezone: ctx.timezone ?? this.config.ingest.defaultTimezone,
      originalMaxBytes: this.config.ingest.originalMaxBytes,
      maxLineBytes: this.config.ingest.maxLineBytes,
    };
    const { chunkSize, rejectsPerBatch } = this.config.ingest;
    const rejected: IngestResponse['rejected'] = [];
    const rejectRows: Parameters<IngestStore['addRejects']>[0] = [];
    let accepted = 0;
    let skipped = 0;
    let rejectedCount = 0;
    let chunk: NormalizedAlert[] = [];
    let jobs: Array<{ data: StoreChunkPayload; opts: { jobId: string } }> = [];
    let chunks = 0;
    const seal = () => {
      if (!chunk.length) return;
      jobs.push({ data: { batchId, chunk: chunks, jurisdiction: ctx.jurisdiction, alerts: chunk }, opts: { jobId: `${batchId}-${chunks}` } });
      chunks++;
      chunk = [];
    };
    const enqueue = async () => {
      seal();
      if (!jobs.length) return;
      const ready = jobs;
      jobs = [];
      await this.queues.enqueueBulk(StoreChunkJob, ready);
      // Counted once queued: the workers count the same alerts down when stored and scored.
      await this.totals.enqueued(ready.reduce((n, j) => n + j.data.alerts.length, 0));
    };
    // HTTP: copies of one line within a body, by content id (syslog messages are unique by receipt).
    const copies = new Map<string, number>();
    let sliceStart = performance.now();
    let n = 0;
    for (const l of lines) {
      const out: LineOutcome = l.error
        ? { line: l.line, kind: 'reject', error: l.error, raw: boundUtf8(l.text, opts.originalMaxBytes) }
        : normalizeLine(l.text, l.line, l.origin ? { ...opts, receivedAt: l.origin.receivedAt, identity: syslogIdentity(l.origin) } : opts);
      if (out.kind === 'alert') {
        if (!l.origin) {
          const copy = (copies.get(out.alert.id) ?? 0) + 1;
          copies.set(out.alert.id, copy);
          if (copy > 1) out.alert.id = copyId(ctx.jurisdiction, out.alert.id, copy);
        }
        accepted++;
        chunk.push(out.alert);
        if (chunk.length >= chunkSize) seal();
        if (jobs.length >= JOBS_PER_CALL) await enqueue();
      } else if (out.kind === 'skip') skipped++;
      else if (++rejectedCount <= rejectsPerBatch) {
        rejected.push({ line: l.line, error: out.error });
        const where = l.origin ? { sender: l.origin.sender, listener: l.origin.listener, received: new Date(l.origin.receivedAt).toISOString() } : { line: l.line };
        rejectRows.push({ jurisdiction: ctx.jurisdiction, batchId, source: ctx.source, ...where, format: ctx.format, error: out.error, raw: out.raw });
      }
      if ((++n & 255) === 0 && performance.now() - sliceStart >= SLICE_MS) {
        await yieldToEventLoop();
        sliceStart = performance.now();
      }
    }
    await Promise.all([enqueue(), this.store.addRejects(rejectRows)]);

    this.metrics.ingestLines.inc({ jurisdiction: ctx.jurisdiction, source: ctx.source, outcome: 'accepted' }, accepted);
    this.metrics.ingestLines.inc({ jurisdiction: ctx.jurisdiction, source: ctx.source, outcome: 'skipped' }, skipped);
    this.metrics.ingestLines.inc({ jurisdiction: ctx.jurisdiction, source: ctx.source, outcome: 'rejected' }, rejectedCount);
    this.log.debug({ batchId, jurisdiction: ctx.jurisdiction, accepted, skipped, rejected: rejectedCount, chunks }, 'batch enqueued');
    return { batchId, accepted, skipped, rejected, rejectedCount, duplicate: false };
  }
}
