import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { CONFIG } from '../infra/config/config.module';
import type { GwanjeConfig } from '../infra/config/config.schema';
import { REDIS } from '../infra/redis/redis.module';
import { ApiKeyRecord } from './auth.schemas';

/** Redis keys of the auth domain: one hash per API key, and the set of all ids. */
@Injectable()
export class ApiKeysStore {
  private readonly p: string;
  constructor(@Inject(REDIS) private readonly redis: Redis, @Inject(CONFIG) config: GwanjeConfig) {
    this.p = `${config.redis.keyPrefix}:keys`;
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

  /** Fixed-window request counter for rate limiting; returns the count in this window. */
  async hit(keyId: string, windowSeconds: number): Promise<number> {
    const window = Math.floor(Date.now() / 1000 / windowSeconds);
    const key = `${this.p}:rate:${keyId}:${window}`;
    const [[, count]] = (await this.redis.multi().incr(key).expire(key, windowSeconds * 2).exec()) as [[null, number], unknown];
    return count;
  }
}
