import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { CONFIG } from '../../infra/config/config.module';
import type { GwanjeConfig } from '../../infra/config/config.schema';
import { REDIS } from '../../infra/redis/redis.module';
import { releaseLock } from '../../infra/redis/lock-scripts';
import type { RunRecord, RunStatus } from '../engine/run.types';

/**
 * Redis keys of runs: one JSON per run (expiring after playbooks.retentionDays), a time index of
 * all runs and one per playbook, and a short lock while a worker advances a run.
 */
@Injectable()
export class RunsStore {
  private readonly p: string;
  private readonly ttlSeconds: number;

  constructor(@Inject(REDIS) private readonly redis: Redis, @Inject(CONFIG) config: GwanjeConfig) {
    this.p = `${config.redis.keyPrefix}:playbooks:`;
    this.ttlSeconds = Math.ceil(config.playbooks.retentionDays * 86_400);
  }

  private k = {
    run: (id: string) => `${this.p}run:${id}`,
    lock: (id: string) => `${this.p}run-lock:${id}`,
    all: () => `${this.p}runs`,
    byPlaybook: (id: string) => `${this.p}runs:pb:${id}`,
  };

  /** Store a new run; false (and nothing written) when a run with this id exists: the trigger was delivered before. */
  async create(run: RunRecord): Promise<boolean> {
    const ok = await this.redis.set(this.k.run(run.id), JSON.stringify(run), 'EX', this.ttlSeconds, 'NX');
    if (ok !== 'OK') return false;
    const score = Date.parse(run.created);
    const floor = Date.now() - this.ttlSeconds * 1000;
    await this.redis
      .multi()
      .zadd(this.k.all(), score, run.id)
      .zadd(this.k.byPlaybook(run.playbook.id), score, run.id)
      .zremrangebyscore(this.k.all(), '-inf', floor)
      .zremrangebyscore(this.k.byPlaybook(run.playbook.id), '-inf', floor)
      .exec();
    return true;
  }

  async save(run: RunRecord): Promise<void> {
    await this.redis.set(this.k.run(run.id), JSON.stringify(run), 'EX', this.ttlSeconds);
  }

  async get(id: string): Promise<RunRecord | null> {
    const json = await this.redis.get(this.k.run(id));
    return json ? (JSON.parse(json) as RunRecord) : null;
  }

  /** Exclusive right to advance a run for `ms` (a crashed holder's lock expires). */
  async lock(id: string, token: string, ms: number): Promise<boolean> {
    return (await this.redis.set(this.k.lock(id), token, 'PX', ms, 'NX')) === 'OK';
  }

  async unlock(id: string, token: string): Promise<void> {
    await releaseLock.run(this.redis, [this.k.lock(id)], [token]);
  }

  /**
   * Newest first; a filtered page scans at most a few thousand runs and may come back short with a cursor.
   * The cursor is `<created ms>:<run id>` of the last run looked at: runs of one trigger are created in
   * the same millisecond, and a bare time would skip the rest of them (a bare `<ms>` still reads as
   * "everything older").
   */
  async list(q: { playbook?: string; status?: RunStatus; owners: Set<string>; limit: number; before?: string }): Promise<{ items: RunRecord[]; next: string | null }> {
    const key = q.playbook ? this.k.byPlaybook(q.playbook) : this.k.all();
    const items: RunRecord[] = [];
    const m = q.before === undefined ? null : /^(\d+)(?::(.+))?$/.exec(q.before);
    let at: { score: number; id: string | null } = m ? { score: Number(m[1]), id: m[2] ?? null } : { score: Infinity, id: null };
    for (let scanned = 0; scanned < 5000; ) {
      const { rows, last } = await this.olderThan(key, at);
      const jsons = rows.length ? await this.redis.mget(rows.map((r) => this.k.run(r.id))) : [];
      for (let i = 0; i < rows.length; i++) {
        const json = jsons[i];
        if (!json) continue;
        const run = JSON.parse(json) as RunRecord;
        if (!q.owners.has(run.playbook.owner)) continue;
        if (q.status && run.status !== q.status) continue;
        items.push(run);
        if (items.length === q.limit) return { items, next: `${rows[i].score}:${rows[i].id}` };
      }
      if (last) return { items, next: null };
      scanned += rows.length;
      at = rows[rows.length - 1];
    }
    return { items, next: `${at.score}:${at.id ?? ''}` };
  }

  /**
   * The next runs after `at` in the index's order (score descending, then id descending): first the
   * rest of `at`'s millisecond, then up to 200 older ones; `last` when nothing older remains.
   */
  private async olderThan(key: string, at: { score: number; id: string | null }): Promise<{ rows: Array<{ score: number; id: string }>; last: boolean }> {
    if (at.id !== null) {
      const atId = at.id;
      const rest = (await this.redis.zrevrangebyscore(key, at.score, at.score)).filter((id) => id < atId);
      if (rest.length) return { rows: rest.map((id) => ({ score: at.score, id })), last: false };
    }
    const flat = await this.redis.zrevrangebyscore(key, at.score === Infinity ? '+inf' : `(${at.score}`, '-inf', 'WITHSCORES', 'LIMIT', 0, 200);
    const rows: Array<{ score: number; id: string }> = [];
    for (let i = 0; i < flat.length; i += 2) rows.push({ id: flat[i], score: Number(flat[i + 1]) });
    return { rows, last: rows.length < 200 };
  }
}
