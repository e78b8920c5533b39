import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { CONFIG } from '../infra/config/config.module';
import type { GwanjeConfig } from '../infra/config/config.schema';
import { REDIS } from '../infra/redis/redis.module';
import { AllowlistEntry } from './allowlist.schemas';

/**
 * Redis keys of allowlists: one hash of every entry (they are few) and a version counter that
 * every change bumps, so each process re-reads only after a change and a ban can tell whether
 * the allowlist moved under it.
 */
@Injectable()
export class AllowlistStore {
  private readonly p: string;
  constructor(@Inject(REDIS) private readonly redis: Redis, @Inject(CONFIG) config: GwanjeConfig) {
    this.p = `${config.redis.keyPrefix}:bl:allow`;
  }

  /** The key decisions' ban script reads to refuse a ban checked against an older allowlist. */
  get versionKey(): string {
    return `${this.p}:ver`;
  }

  async version(): Promise<string> {
    return (await this.redis.get(this.versionKey)) ?? '0';
  }

  /** Entries and the version they belong to, read atomically. */
  async all(): Promise<{ version: string; entries: AllowlistEntry[] }> {
    const [[, ver], [, rows]] = (await this.redis.multi().get(this.versionKey).hvals(this.p).exec()) as [[null, string | null], [null, string[]]];
    return { version: ver ?? '0', entries: rows.map((r) => AllowlistEntry.parse(JSON.parse(r))) };
  }

  async get(id: string): Promise<AllowlistEntry | null> {
    const row = await this.redis.hget(this.p, id);
    return row ? AllowlistEntry.parse(JSON.parse(row)) : null;
  }

  async save(entry: AllowlistEntry): Promise<void> {
    await this.redis.multi().hset(this.p, entry.id, JSON.stringify(entry)).incr(this.versionKey).exec();
  }

  async remove(id: string): Promise<boolean> {
    const [[, removed]] = (await this.redis.multi().hdel(this.p, id).incr(this.versionKey).exec()) as [[null, number], unknown];
    return removed === 1;
  }
}
