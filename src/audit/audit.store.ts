import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { CONFIG } from '../infra/config/config.module';
import type { GwanjeConfig } from '../infra/config/config.schema';
import { REDIS } from '../infra/redis/redis.module';

/**
 * Appends an entry and links it to the previous one atomically, so concurrent writers (many
 * API and worker processes) still form one chain. The hash is computed in Lua over the exact
 * stored text, so verification recomputes the same bytes.
 */
const APPEND_LUA = `
local seqKey, logKey, headKey = KEYS[1], KEYS[2], KEYS[3]
local seq = redis.call('INCR', seqKey)
local prev = redis.call('GET', headKey) or 'genesis'
local inner = string.sub(ARGV[1], 2, -2)
local body = '{"seq":' .. seq .. ',' .. inner .. ',"prevHash":"' .. prev .. '"}'
local hash = redis.sha1hex(body)
redis.call('ZADD', logKey, seq, body .. '\\n' .. hash)
redis.call('SET', headKey, hash)
return {seq, hash}
`;

@Injectable()
export class AuditStore {
  private readonly p: string;
  constructor(@Inject(REDIS) private readonly redis: Redis, @Inject(CONFIG) config: GwanjeConfig) {
    this.p = `${config.redis.keyPrefix}:audit`;
    this.redis.defineCommand('gwAuditAppend', { numberOfKeys: 3, lua: APPEND_LUA });
  }

  /** `fields` is a JSON object without seq and prevHash; Lua wraps them around it. */
  async append(fields: string): Promise<{ seq: number; hash: string }> {
    const [seq, hash] = await (this.redis as any).gwAuditAppend(`${this.p}:seq`, `${this.p}:log`, `${this.p}:head`, fields);
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
