import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { CONFIG } from '../../infra/config/config.module';
import type { GwanjeConfig } from '../../infra/config/config.schema';
import { REDIS } from '../../infra/redis/redis.module';
import { luaScript } from '../../infra/redis/scripts';

const HOUR = 3_600_000;

/** Sliding hour of side effects. */
const takeBudget = luaScript<[blast: string], [nowMs: number, member: string, cap: number, hourMs: number], [ok: 0 | 1, count: number]>(__dirname, 'lua/take-budget-1.lua');

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
    takeBudget.define(this.redis);
  }

  private k = { blast: (id: string) => `${this.p}blast:${id}`, breaker: (id: string) => `${this.p}breaker:${id}` };

  async take(playbookId: string, member: string, cap: number, now = Date.now()): Promise<{ ok: boolean; count: number }> {
    const [ok, count] = await takeBudget.run(this.redis, [this.k.blast(playbookId)], [now, member, cap, HOUR]);
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
