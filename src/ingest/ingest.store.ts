import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { CONFIG } from '../infra/config/config.module';
import type { GwanjeConfig } from '../infra/config/config.schema';
import { REDIS } from '../infra/redis/redis.module';
import { compareStreamIds } from '../infra/redis/stream-id';
import type { RejectRecord } from './ingest.schemas';

/** Redis keys of rejected lines (a capped stream per jurisdiction) and of idempotent ingest answers. */
@Injectable()
export class IngestStore {
  private readonly p: string;
  constructor(@Inject(REDIS) private readonly redis: Redis, @Inject(CONFIG) private readonly config: GwanjeConfig) {
    this.p = `${config.redis.keyPrefix}:ingest`;
  }

  async addRejects(rows: Omit<RejectRecord, 'id' | 'at'>[]): Promise<void> {
    if (!rows.length) return;
    const at = new Date().toISOString();
    const pipe = this.redis.pipeline();
    for (const r of rows)
      pipe.xadd(`${this.p}:rejects:${r.jurisdiction}`, 'MAXLEN', '~', this.config.ingest.rejectsPerJurisdiction, '*', 'r', JSON.stringify({ ...r, at }));
    await pipe.exec();
  }

  /** Newest first; the cursor is the last stream id seen. */
  async listRejects(jurisdictions: string[], limit: number, cursor?: string): Promise<{ items: RejectRecord[]; next: string | null }> {
    const pipe = this.redis.pipeline();
    for (const j of jurisdictions) pipe.xrevrange(`${this.p}:rejects:${j}`, cursor ? `(${cursor}` : '+', '-', 'COUNT', limit + 1);
    const rows: Array<RejectRecord & { sid: string }> = [];
    for (const [err, entries] of (await pipe.exec()) ?? []) {
      if (err) throw err;
      for (const [sid, f] of entries as Array<[string, string[]]>) rows.push({ ...JSON.parse(f[1]), id: sid, sid });
    }
    rows.sort((a, b) => compareStreamIds(b.sid, a.sid));
    const page = rows.slice(0, limit);
    return { items: page.map(({ sid: _sid, ...r }) => r), next: rows.length > limit ? page[page.length - 1].sid : null };
  }

  async rememberAnswer(jurisdiction: string, key: string, answer: string): Promise<void> {
    await this.redis.set(`${this.p}:idem:${jurisdiction}:${key}`, answer, 'EX', this.config.ingest.idempotencyTtlSeconds);
  }

  recallAnswer(jurisdiction: string, key: string): Promise<string | null> {
    return this.redis.get(`${this.p}:idem:${jurisdiction}:${key}`);
  }
}
