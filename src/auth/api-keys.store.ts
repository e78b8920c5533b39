import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { CONFIG } from '../infra/config/config.module';
import type { GwanjeConfig } from '../infra/config/config.schema';
import { REDIS } from '../infra/redis/redis.module';
import { ApiKeyRecord } from './auth.schemas';
import { luaScript } from '../infra/redis/scripts';
import type { SlidingCount } from './sliding-window';

const slidingHit = luaScript<[counter: string], [windowMs: number, warnAbove: number], [current: number, previous: number, elapsedMs: number, warn: 0 | 1]>(__dirname, 'lua/sliding-hit-1.lua');

/** Redis keys of the auth domain: one hash per API key, the set of all ids, and the rate counters (`{rate:*}`, `{authfail:*}`, hash-tagged). */
@Injectable()
export class ApiKeysStore {
  private readonly p: string;
  constructor(@Inject(REDIS) private readonly redis: Redis, @Inject(CONFIG) config: GwanjeConfig) {
    this.p = `${config.redis.keyPrefix}:keys`;
    slidingHit.define(redis);
  }

  async save(record: ApiKeyRecord, secretHash: string): Promise<void> {
    await this.redis.multi().hset(`${this.p}:${record.id}`, { ...record, revoked: record.revoked ?? '', hash: secretHash }).sadd(`${this.p}:all`, record.id).exec();
  }

  async find(id: string): Promise<{ record: ApiKeyRecord; hash: string } | null> {
    const h = await this.redis.hgetall(`${this.p}:${id}`);
    if (!h.id) return null;
    return { record: ApiKeyRecord.parse({ ...h, revoked: h.revoked || null }), hash: h.hash };
  }

  async list(): Promise<ApiKeyRecord[]> {
    const ids = await this.redis.smembers(`${this.p}:all`);
    const pipe = this.redis.pipeline();
    ids.forEach((id) => pipe.hgetall(`${this.p}:${id}`));
    const rows = (await pipe.exec()) ?? [];
    return rows
      .map(([, h]) => h as Record<string, string>)
      .filter((h) => h?.id)
      .map((h) => ApiKeyRecord.parse({ ...h, revoked: h.revoked || null }))
      .sort((a, b) => a.created.localeCompare(b.created));
  }

  async revoke(id: string, at: string): Promise<void> {
    await this.redis.hset(`${this.p}:${id}`, 'revoked', at);
  }

  /**
   * Count one event of a sliding-window counter (`rate:<keyId>` requests per key, `authfail:<address>`
   * failed authentications per client) in one round trip; `warn` is true once per counter and window
   * when the estimate (this event included) first exceeds `warnAbove`.
   */
  async slidingHit(counter: string, windowMs: number, warnAbove: number): Promise<SlidingCount & { warn: boolean }> {
    // Hash-tagged: the bucket keys the script derives from it land in the same Redis Cluster slot.
    const [current, previous, elapsedMs, warn] = await slidingHit.run(this.redis, [`${this.p}:{${counter}}`], [windowMs, warnAbove]);
    return { current, previous, elapsedMs, windowMs, warn: warn === 1 };
  }
}
