import { Inject, Injectable, Logger } from '@nestjs/common';
import type Redis from 'ioredis';
import { CONFIG } from '../infra/config/config.module';
import type { GwanjeConfig } from '../infra/config/config.schema';
import { ProblemError } from '../infra/http/problem';
import { REDIS } from '../infra/redis/redis.module';
import { INGEST_TOTAL_FIELDS, ingestBacklogKey, ingestTotalsKey, type IngestTotalField } from '../contracts/ingest-totals';

/** A cached reading is this old at most before admission asks Redis again (a few reads a second, whatever the request rate). */
export const READING_MAX_AGE_MS = 250;

export type IngestTotalsView = { backlog: number } & Record<IngestTotalField, number>;

interface Reading {
  backlog: number;
  usedMemory: number;
  maxMemory: number;
  at: number;
}

/** `used_memory` and `maxmemory` from an INFO memory reply. */
export function parseInfoMemory(info: string): { usedMemory: number; maxMemory: number } {
  const field = (name: string) => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(info)?.[1] ?? 0);
  return { usedMemory: field('used_memory'), maxMemory: field('maxmemory') };
}

/**
 * The deployment's ingest counters (see contracts/ingest-totals) and the back-pressure decision:
 * past `ingest.backpressure` bounds, ingest is refused (429 backlog, 503 Redis memory) before a
 * body is normalized or queued. The decision reads a cached reading (backlog counter + INFO
 * memory) refreshed at most every READING_MAX_AGE_MS, and counts this process' own enqueues into
 * it meanwhile, so a burst cannot overshoot the bound by more than what other processes add.
 */
@Injectable()
export class IngestTotals {
  private readonly log = new Logger('ingest');
  private readonly totalsKey: string;
  private readonly backlogKey: string;
  private reading: Reading = { backlog: 0, usedMemory: 0, maxMemory: 0, at: -Infinity };
  private refreshing?: Promise<void>;
  /** Alerts this process has queued, ever: lets a reading add the enqueues its GET did not see yet. */
  private addedHere = 0;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(CONFIG) private readonly config: GwanjeConfig,
  ) {
    this.totalsKey = ingestTotalsKey(config.redis.keyPrefix);
    this.backlogKey = ingestBacklogKey(config.redis.keyPrefix);
  }

  /** This process queued `n` alerts: received total and backlog up (one round trip). */
  async enqueued(n: number): Promise<void> {
    if (n <= 0) return;
    this.reading.backlog += n;
    this.addedHere += n;
    await this.redis.multi().hincrby(this.totalsKey, 'received', n).incrby(this.backlogKey, n).exec();
  }

  /** A chunk of `n` queued alerts was stored and scored (or given up on): backlog down. */
  async decided(n: number): Promise<void> {
    if (n > 0) await this.redis.decrby(this.backlogKey, n);
  }

  /** Syslog alerts dropped instead of queued past a bound. */
  async shed(n: number): Promise<void> {
    if (n > 0) await this.redis.hincrby(this.totalsKey, 'shed', n);
  }

  /** Fresh totals for /health (the backlog never reads below 0: see docs/api.md on its drift). */
  async totals(): Promise<IngestTotalsView> {
    const res = (await this.redis.pipeline().hmget(this.totalsKey, ...INGEST_TOTAL_FIELDS).get(this.backlogKey).exec()) ?? [];
    for (const [err] of res) if (err) throw err;
    const values = (res[0]?.[1] ?? []) as Array<string | null>;
    const out = { backlog: Math.max(0, Number(res[1]?.[1] ?? 0)) } as IngestTotalsView;
    INGEST_TOTAL_FIELDS.forEach((f, i) => (out[f] = Number(values[i] ?? 0)));
    return out;
  }

  /** Wait for a reading no older than READING_MAX_AGE_MS, then decide: null = accept. */
  async admission(): Promise<ProblemError | null> {
    if (performance.now() - this.reading.at > READING_MAX_AGE_MS) await this.refresh();
    return this.decide();
  }

  /** The same decision on whatever reading is at hand (syslog: never waits); a stale one is refreshed in the background. */
  refusalNow(): ProblemError | null {
    if (performance.now() - this.reading.at > READING_MAX_AGE_MS) void this.refresh();
    return this.decide();
  }

  private decide(): ProblemError | null {
    const b = this.config.ingest.backpressure;
    const r = this.reading;
    const headers = { 'retry-after': String(b.retryAfterSeconds) };
    if (b.maxBacklogAlerts > 0 && r.backlog >= b.maxBacklogAlerts) {
      return new ProblemError(429, 'Too Many Requests', `ingest backlog: ${r.backlog} alerts queued and not yet stored and scored (bound ${b.maxBacklogAlerts}); retry after ${b.retryAfterSeconds} s`, {
        headers,
        code: 'ingest_backlog',
        backlog: r.backlog,
      });
    }
    const memBound = b.maxRedisMemoryBytes > 0 ? b.maxRedisMemoryBytes : r.maxMemory > 0 ? Math.floor(r.maxMemory * b.maxRedisMemoryRatio) : 0;
    if (memBound > 0 && r.usedMemory >= memBound) {
      return new ProblemError(503, 'Service Unavailable', `Redis memory: ${r.usedMemory} bytes used (bound ${memBound}); retry after ${b.retryAfterSeconds} s`, {
        headers,
        code: 'redis_memory_high',
      });
    }
    return null;
  }

  /** One round trip (GET backlog + INFO memory) shared by every caller while it runs. */
  private refresh(): Promise<void> {
    this.refreshing ??= (async () => {
      // One connection runs commands in order: increments sent after this GET are not in its answer.
      const before = this.addedHere;
      try {
        const res = (await this.redis.pipeline().get(this.backlogKey).info('memory').exec()) ?? [];
        for (const [err] of res) if (err) throw err;
        const backlog = Number(res[0]?.[1] ?? 0) + (this.addedHere - before);
        this.reading = { backlog, ...parseInfoMemory(typeof res[1]?.[1] === 'string' ? res[1][1] : ''), at: performance.now() };
      } catch (err) {
        // Redis unreachable: keep the last reading (and do not ask again at once); the enqueue itself answers 503 then.
        this.reading.at = performance.now();
        this.log.debug({ err }, 'back-pressure reading failed');
      } finally {
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }
}
