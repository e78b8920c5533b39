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

  /**
   * Newest first (stream id descending, then jurisdiction); the cursor is `<stream id>:<jurisdiction>`
   * of the last line seen. Each jurisdiction's stream numbers its own entries, so two streams often
   * hold the same id: an id alone would skip the other's (a bare id still reads as "everything older").
   */
  async listRejects(jurisdictions: string[], limit: number, cursor?: string): Promise<{ items: RejectRecord[]; next: string | null }> {
    const sep = cursor ? cursor.indexOf(':') : -1;
    const at = cursor ? { sid: sep < 0 ? cursor : cursor.slice(0, sep), j: sep < 0 ? null : cursor.slice(sep + 1) } : null;
    const pipe = this.redis.pipeline();
    // Streams ordered after the cursor's jurisdiction still owe their entries with the cursor's very id.
    for (const j of jurisdictions) pipe.xrevrange(`${this.p}:rejects:${j}`, !at ? '+' : at.j !== null && j > at.j ? at.sid : `(${at.sid}`, '-', 'COUNT', limit + 1);
    const rows: Array<RejectRecord & { sid: string; j: string }> = [];
    ((await pipe.exec()) ?? []).forEach(([err, entries], i) => {
      if (err) throw err;
      for (const [sid, f] of entries as Array<[string, string[]]>) rows.push({ ...JSON.parse(f[1]), id: sid, sid, j: jurisdictions[i] });
    });
    rows.sort((a, b) => compareStreamIds(b.sid, a.sid) || (a.j < b.j ? -1 : a.j > b.j ? 1 : 0));
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return { items: page.map(({ sid: _sid, j: _j, ...r }) => r), next: rows.length > limit ? `${last.sid}:${last.j}` : null };
  }

  async rememberAnswer(jurisdiction: string, key: string, answer: string): Promise<void> {
    await this.redis.set(`${this.p}:idem:${jurisdiction}:${key}`, answer, 'EX', this.config.ingest.idempotencyTtlSeconds);
  }

  recallAnswer(jurisdiction: string, key: string): Promise<string | null> {
    return this.redis.get(`${this.p}:idem:${jurisdiction}:${key}`);
  }
}
