import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { CONFIG } from '../infra/config/config.module';
import type { GwanjeConfig } from '../infra/config/config.schema';
import { REDIS } from '../infra/redis/redis.module';
import { luaScript } from '../infra/redis/scripts';

/** Appends an entry linked to the previous one, atomically (see the script's header). */
const append = luaScript<[seq: string, log: string, head: string], [fields: string], [seq: number, hash: string]>(__dirname, 'lua/append-3.lua');

@Injectable()
export class AuditStore {
  private readonly p: string;
  constructor(@Inject(REDIS) private readonly redis: Redis, @Inject(CONFIG) config: GwanjeConfig) {
    this.p = `${config.redis.keyPrefix}:audit`;
    append.define(this.redis);
  }

  /** `fields` is a JSON object without seq and prevHash; Lua wraps them around it. */
  async append(fields: string): Promise<{ seq: number; hash: string }> {
    const [seq, hash] = await append.run(this.redis, [`${this.p}:seq`, `${this.p}:log`, `${this.p}:head`], [fields]);
    return { seq: Number(seq), hash };
  }

  /** Raw entries with seq > after, oldest first: [body, hash]. */
  async range(after: number, count: number): Promise<Array<{ body: string; hash: string }>> {
    const rows = await this.redis.zrangebyscore(`${this.p}:log`, `(${after}`, '+inf', 'LIMIT', 0, count);
    return rows.map((r) => {
      const nl = r.lastIndexOf('\n');
      return { body: r.slice(0, nl), hash: r.slice(nl + 1) };
    });
  }
}
