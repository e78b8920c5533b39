import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { CONFIG } from '../../infra/config/config.module';
import type { GwanjeConfig } from '../../infra/config/config.schema';
import { REDIS } from '../../infra/redis/redis.module';

const HOUR = 3_600_000;

/** Sliding hour of side effects: KEYS[1] zset; ARGV: now, member, cap. Returns {ok, count}. */
const TAKE_LUA = `
local now = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - ${HOUR})
if redis.call('ZSCORE', KEYS[1], ARGV[2]) then return {1, redis.call('ZCARD', KEYS[1])} end
local n = redis.call('ZCARD', KEYS[1])
if n >= tonumber(ARGV[3]) then return {0, n} end
redis.call('ZADD', KEYS[1], now, ARGV[2])
redis.call('PEXPIRE', KEYS[1], ${HOUR})
return {1, n + 1}
`;

export interface BreakerState {
  openedAt: string;
  reason: string;
  runId: string;
  approvalId: string | null;
}

/** Redis keys of the guards: each playbook's side effects in the last hour, and its circuit breaker. */
@Injectable()
export class GuardsStore {
  private readonly p: string;

  constructor(@Inject(REDIS) private readonly redis: Redis, @Inject(CONFIG) config: GwanjeConfig) {
    this.p = `${config.redis.keyPrefix}:playbooks:`;
    this.redis.defineCommand('gwPlaybookBudget', { numberOfKeys: 1, lua: TAKE_LUA });
  }

  private k = { blast: (id: string) => `${this.p}blast:${id}`, breaker: (id: string) => `${this.p}breaker:${id}` };

  async take(playbookId: string, member: string, cap: number, now = Date.now()): Promise<{ ok: boolean; count: number }> {
    const [ok, count] = (await (this.redis as any).gwPlaybookBudget(this.k.blast(playbookId), String(now), member, String(cap))) as [number, number];
    return { ok: ok === 1, count };
  }

  async release(playbookId: string, member: string): Promise<void> {
    await this.redis.zrem(this.k.blast(playbookId), member);
  }

  async count(playbookId: string, now = Date.now()): Promise<number> {
    return this.redis.zcount(this.k.blast(playbookId), now - HOUR, '+inf');
  }

  /** Open the breaker; false when it was open already. */
  async open(playbookId: string, state: BreakerState): Promise<boolean> {
    return (await this.redis.set(this.k.breaker(playbookId), JSON.stringify(state), 'NX')) === 'OK';
  }

  async setApproval(playbookId: string, approvalId: string): Promise<void> {
    const s = await this.breaker(playbookId);
    if (s) await this.redis.set(this.k.breaker(playbookId), JSON.stringify({ ...s, approvalId }), 'XX');
  }

  async breaker(playbookId: string): Promise<BreakerState | null> {
    const json = await this.redis.get(this.k.breaker(playbookId));
    return json ? (JSON.parse(json) as BreakerState) : null;
  }

  /** Close the breaker and forget the hour's count, so the playbook may act again. */
  async close(playbookId: string): Promise<boolean> {
    const [[, n]] = (await this.redis.multi().del(this.k.breaker(playbookId)).del(this.k.blast(playbookId)).exec()) as Array<[Error | null, number]>;
    return n === 1;
  }
}
