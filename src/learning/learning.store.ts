import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { CONFIG } from '../infra/config/config.module';
import type { GwanjeConfig } from '../infra/config/config.schema';
import { REDIS } from '../infra/redis/redis.module';
import { luaScript } from '../infra/redis/scripts';
import { Disagreement, Example, ModelRecord } from './learning.schemas';

type S = string;
const scripts = {
  addExample: luaScript<[examples: S, index: S], [id: S, json: S, atMs: number, max: number], 0 | 1>(__dirname, 'lua/add-example-2.lua'),
};

/** The learning domain's Redis keys: examples, model versions, which one is live/shadow, disagreements. */
@Injectable()
export class LearningStore {
  private readonly p: string;
  constructor(@Inject(REDIS) private readonly redis: Redis, @Inject(CONFIG) private readonly config: GwanjeConfig) {
    this.p = `${config.redis.keyPrefix}:learning:`;
  }

  async addExample(e: Example): Promise<boolean> {
    const stored = await scripts.addExample.run(this.redis, [`${this.p}ex:${e.jurisdiction}`, `${this.p}exi:${e.jurisdiction}`], [e.id, JSON.stringify(e), Date.parse(e.provenance.at), this.config.learning.maxExamplesPerJurisdiction]);
    return stored === 1;
  }

  /** Drop an example a later verdict overrules (a manual block lifted as a false positive). */
  async removeExample(jurisdiction: string, id: string): Promise<void> {
    await this.redis.multi().hdel(`${this.p}ex:${jurisdiction}`, id).zrem(`${this.p}exi:${jurisdiction}`, id).exec();
  }

  /** Newest first. */
  async examples(jurisdiction: string, limit: number): Promise<Example[]> {
    const ids = await this.redis.zrevrange(`${this.p}exi:${jurisdiction}`, 0, limit - 1);
    if (!ids.length) return [];
    const rows = await this.redis.hmget(`${this.p}ex:${jurisdiction}`, ...ids);
    return rows.flatMap((r) => (r ? [Example.parse(JSON.parse(r))] : []));
  }

  async nextVersion(jurisdiction: string): Promise<number> {
    return this.redis.hincrby(`${this.p}seq`, jurisdiction, 1);
  }

  async saveModel(m: ModelRecord): Promise<void> {
    await this.redis.multi().set(`${this.p}model:${m.id}`, JSON.stringify(m)).zadd(`${this.p}models:${m.jurisdiction}`, m.version, m.id).exec();
  }

  async model(id: string): Promise<ModelRecord | null> {
    const raw = await this.redis.get(`${this.p}model:${id}`);
    return raw ? ModelRecord.parse(JSON.parse(raw)) : null;
  }

  /** Versions of a jurisdiction, newest first. */
  async models(jurisdiction: string): Promise<ModelRecord[]> {
    const ids = await this.redis.zrevrange(`${this.p}models:${jurisdiction}`, 0, -1);
    if (!ids.length) return [];
    const rows = await this.redis.mget(...ids.map((id) => `${this.p}model:${id}`));
    return rows.flatMap((r) => (r ? [ModelRecord.parse(JSON.parse(r))] : []));
  }

  /** Which model is live and which in shadow, per jurisdiction. */
  async slots(): Promise<Record<string, { live?: string; shadow?: string }>> {
    const h = await this.redis.hgetall(`${this.p}slots`);
    const out: Record<string, { live?: string; shadow?: string }> = {};
    for (const [k, v] of Object.entries(h)) {
      const i = k.lastIndexOf(':');
      const slot = k.slice(i + 1);
      if (slot === 'live' || slot === 'shadow') (out[k.slice(0, i)] ??= {})[slot] = v;
    }
    return out;
  }

  async setSlot(jurisdiction: string, slot: 'live' | 'shadow', id: string | null): Promise<void> {
    if (id) await this.redis.hset(`${this.p}slots`, `${jurisdiction}:${slot}`, id);
    else await this.redis.hdel(`${this.p}slots`, `${jurisdiction}:${slot}`);
  }

  async addDisagreements(rows: Disagreement[]): Promise<void> {
    if (!rows.length) return;
    const pipe = this.redis.pipeline();
    for (const r of rows) pipe.lpush(`${this.p}dis:${r.jurisdiction}`, JSON.stringify(r)).ltrim(`${this.p}dis:${r.jurisdiction}`, 0, this.config.learning.maxDisagreements - 1);
    await pipe.exec();
  }

  async disagreements(jurisdiction: string, limit = 100): Promise<Disagreement[]> {
    const rows = await this.redis.lrange(`${this.p}dis:${jurisdiction}`, 0, limit - 1);
    return rows.map((r) => Disagreement.parse(JSON.parse(r)));
  }
}
