import { Inject, Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import type Redis from 'ioredis';
import type { RedisTarget } from '../infra/redis/embedded-redis';
import { createRedis } from '../infra/redis/redis.connection';
import { RedisHealth } from '../infra/redis/redis.health';
import { REDIS_TARGET } from '../infra/redis/redis.module';
import { compareStreamIds } from '../infra/redis/stream-id';
import { JurisdictionsService } from '../jurisdictions/jurisdictions.service';
import type { ChangeEntry } from './decisions.schemas';
import { DecisionsStore, toChange } from './decisions.store';

export interface ChangeEvent {
  jurisdiction: string;
  change: ChangeEntry;
}

interface Subscriber {
  jurisdictions: Set<string>;
  send(e: ChangeEvent): void;
  close(): void;
  /** Last stream id delivered per jurisdiction (replay and live overlap: never deliver twice). */
  last: Map<string, string>;
  /** Live events held while the replay runs. */
  buffer: ChangeEvent[] | null;
}

const BLOCK_MS = 5000;

/**
 * Decision changes pushed to this process's listeners (SSE), from every process: one dedicated
 * connection XREAD-BLOCKs on all jurisdictions' change logs while anyone listens, and fans the
 * entries out. A listener may first replay from a stream id (SSE Last-Event-ID).
 */
@Injectable()
export class ChangeFeed implements BeforeApplicationShutdown {
  private readonly log = new Logger('change-feed');
  private readonly subs = new Set<Subscriber>();
  private conn: Redis | null = null;
  private loop: Promise<void> | null = null;
  /** Resolves once the running loop has its start positions: from then on no change is missed. */
  private ready: Promise<void> | null = null;
  /** The loop saw no listeners and is ending: a new listener waits for it and starts the next. */
  private draining = false;
  private closing = false;

  constructor(
    @Inject(REDIS_TARGET) private readonly target: RedisTarget,
    private readonly store: DecisionsStore,
    private readonly jurisdictions: JurisdictionsService,
    private readonly health: RedisHealth,
  ) {}

  get listeners(): number {
    return this.subs.size;
  }

  /**
   * Listen to changes of the jurisdictions, after `fromSid` if given; returns the unsubscribe
   * function once every change written from then on is sure to be delivered.
   */
  async subscribe(jurisdictions: string[], fromSid: string | null, send: (e: ChangeEvent) => void, close: () => void): Promise<() => void> {
    const sub: Subscriber = { jurisdictions: new Set(jurisdictions), send, close, last: new Map(), buffer: fromSid ? [] : null };
    this.subs.add(sub);
    if (this.loop && this.draining) await this.loop;
    this.ensureLoop();
    await this.ready;
    if (fromSid) {
      try {
        const replay: ChangeEvent[] = [];
        for (const j of jurisdictions) for (const change of await this.store.changesAfter(j, fromSid, 1000)) replay.push({ jurisdiction: j, change });
        replay.sort((a, b) => compareStreamIds(a.change.sid, b.change.sid));
        for (const e of replay) this.deliver(sub, e);
      } finally {
        // Replayed and live entries interleave in the buffer; in stream order, the overlap is dropped once.
        const held = (sub.buffer ?? []).sort((a, b) => compareStreamIds(a.change.sid, b.change.sid));
        sub.buffer = null;
        for (const e of held) this.deliver(sub, e);
      }
    }
    return () => this.subs.delete(sub);
  }

  private deliver(sub: Subscriber, e: ChangeEvent) {
    if (!sub.jurisdictions.has(e.jurisdiction)) return;
    if (sub.buffer) return void sub.buffer.push(e);
    const last = sub.last.get(e.jurisdiction);
    if (last && compareStreamIds(e.change.sid, last) <= 0) return;
    sub.last.set(e.jurisdiction, e.change.sid);
    try {
      sub.send(e);
    } catch (err) {
      this.log.warn({ err }, 'listener failed; dropping it');
      this.subs.delete(sub);
      sub.close();
    }
  }

  private ensureLoop() {
    if (this.loop || this.closing) return;
    let started!: () => void;
    this.ready = new Promise<void>((resolve) => (started = resolve));
    this.loop = this.run(started)
      .catch((err) => {
        if (!this.closing) this.log.error({ err }, 'change feed stopped');
      })
      .finally(() => {
        started(); // a failed start must not hold subscribers forever
        this.loop = null;
        // A listener that arrived while the loop was winding down.
        if (this.subs.size && !this.closing) setTimeout(() => this.ensureLoop(), this.conn ? 0 : 1000).unref();
      });
  }

  private async run(started: () => void) {
    this.draining = false;
    this.conn ??= createRedis(this.target, true, this.health);
    const ids = this.jurisdictions.list().map((j) => j.id);
    const keys = ids.map((j) => this.store.logKey(j));
    // Start at each log's current end: '$' on every call would miss entries written between calls.
    const pipe = this.conn.pipeline();
    keys.forEach((k) => pipe.xrevrange(k, '+', '-', 'COUNT', 1));
    const positions = ((await pipe.exec()) ?? []).map(([, rows]) => (rows as Array<[string]>)[0]?.[0] ?? '0-0');
    started();
    while (!this.closing && this.subs.size) {
      const res = (await this.conn.xread('COUNT', 1000, 'BLOCK', BLOCK_MS, 'STREAMS', ...keys, ...positions));
      for (const [key, entries] of res ?? []) {
        const i = keys.indexOf(key);
        for (const [sid, fields] of entries) {
          positions[i] = sid;
          const e: ChangeEvent = { jurisdiction: ids[i], change: toChange(sid, fields) };
          for (const sub of this.subs) this.deliver(sub, e);
        }
      }
    }
    this.draining = true;
  }

  /** Before the HTTP server closes: end every open event stream, stop reading. */
  async beforeApplicationShutdown() {
    this.closing = true;
    for (const sub of this.subs) sub.close();
    this.subs.clear();
    this.conn?.disconnect();
    await this.loop;
    this.conn = null;
  }
}
