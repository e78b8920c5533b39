import { Injectable } from '@nestjs/common';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { udpSocketDrops } from './proc-net-udp';

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
  readonly ingestRefused = new Counter({
    name: 'gwanje_ingest_refused_total',
    help: 'POST /v1/ingest requests refused by back-pressure, by problem code (ingest_backlog: 429, redis_memory_high: 503)',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });
  readonly alertsDuplicate = new Counter({ name: 'gwanje_alerts_duplicate_total', help: 'Alerts dropped as already stored', registers: [this.registry] });
  readonly syslogDropped = new Counter({
    name: 'gwanje_syslog_dropped_total',
    help: 'Syslog messages dropped, by listener and reason (unknown_sender, too_long, backpressure: shed past the ingest bounds)',
    labelNames: ['listener', 'reason'] as const,
    registers: [this.registry],
  });
  /** UDP listeners whose kernel drop count is read at each scrape (see watchUdpDrops). */
  private readonly udpSockets = new Map<string, { port: number; family: 'udp4' | 'udp6'; seen: number }>();
  readonly syslogUdpKernelDrops: Counter<'listener'> = new Counter({
    name: 'gwanje_syslog_udp_kernel_drops_total',
    help: 'Datagrams the kernel dropped on a UDP syslog listener before Gwanje read them (receive buffer full), from /proc/net/udp',
    labelNames: ['listener'] as const,
    registers: [this.registry],
    collect: () => this.collectUdpDrops(),
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

  /** Export the kernel's drop count of a bound UDP listener; returns the call that stops it. */
  watchUdpDrops(listener: string, port: number, family: 'udp4' | 'udp6'): () => void {
    this.udpSockets.set(listener, { port, family, seen: udpSocketDrops(port, family) ?? 0 });
    this.syslogUdpKernelDrops.inc({ listener }, 0);
    return () => this.udpSockets.delete(listener);
  }

  /** The kernel's column only grows while the socket lives: add what it grew since the last scrape. */
  private collectUdpDrops() {
    for (const [listener, s] of this.udpSockets) {
      const now = udpSocketDrops(s.port, s.family);
      if (now !== null && now > s.seen) {
        this.syslogUdpKernelDrops.inc({ listener }, now - s.seen);
        s.seen = now;
      }
    }
  }
}
