import { Injectable } from '@nestjs/common';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Every Prometheus metric of the process, in one registry. */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  readonly ingestLines = new Counter({
    name: 'gwanje_ingest_lines_total',
    help: 'Lines received, by jurisdiction, source (http|syslog) and outcome (accepted|skipped|rejected)',
    labelNames: ['jurisdiction', 'source', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly alertsStored = new Counter({
    name: 'gwanje_alerts_stored_total',
    help: 'Alerts stored by workers (duplicates excluded)',
    labelNames: ['jurisdiction'] as const,
    registers: [this.registry],
  });
  readonly alertsDuplicate = new Counter({ name: 'gwanje_alerts_duplicate_total', help: 'Alerts dropped as already stored', registers: [this.registry] });
  readonly syslogDropped = new Counter({
    name: 'gwanje_syslog_dropped_total',
    help: 'Syslog messages dropped, by listener and reason (unknown_sender, too_long)',
    labelNames: ['listener', 'reason'] as const,
    registers: [this.registry],
  });
  readonly chunkSeconds = new Histogram({
    name: 'gwanje_ingest_chunk_seconds',
    help: 'Time a worker spends storing one chunk',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'gwanje_' });
  }
}
