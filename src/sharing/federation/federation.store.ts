import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import { CONFIG } from '../../infra/config/config.module';
import type { GwanjeConfig } from '../../infra/config/config.schema';
import { REDIS } from '../../infra/redis/redis.module';
import { refreshLock, releaseLock } from '../../infra/redis/lock-scripts';
import { luaScript } from '../../infra/redis/scripts';

/** The Lua scripts of this store; their headers (lua/*.lua) say what each key and argument is. */
const scripts = {
  enqueue: luaScript<[epoch: string, head: string, msg: string], [newEpoch: string, body: string], [epoch: string, seq: number]>(__dirname, 'lua/enqueue-3.lua'),
  ack: luaScript<[acked: string, msg: string], [seq: number], number>(__dirname, 'lua/ack-2.lua'),
  highWater: luaScript<[hwm: string], [seq: number, ttlMs: number], number>(__dirname, 'lua/high-water-1.lua'),
};

/**
 * Redis keys of federation, under `<prefix>:sharing:fed:`.
 * Sender, per peer: `epoch:<peer>`, `head:<peer>` (last seq), `msg:<peer>` (seq → payload body),
 * `acked:<peer>` (last seq the peer acknowledged), `lock:<peer>`, `down:<peer>`, `fail:<peer>`.
 * Receiver, per peer: `hwm:<peer>:<epoch>` (last seq processed), `nonce:<peer>:<nonce>` (replay window).
 */
@Injectable()
export class FederationStore {
  private readonly p: string;

  constructor(@Inject(REDIS) private readonly redis: Redis, @Inject(CONFIG) config: GwanjeConfig) {
    this.p = `${config.redis.keyPrefix}:sharing:fed`;
    for (const script of [...Object.values(scripts), refreshLock, releaseLock]) script.define(redis);
  }

  private k = (what: string, peer: string) => `${this.p}:${what}:${peer}`;

  // --- sender ---

  async enqueue(peer: string, body: string): Promise<{ epoch: string; seq: number }> {
    const [epoch, seq] = await scripts.enqueue.run(this.redis, [this.k('epoch', peer), this.k('head', peer), this.k('msg', peer)], [randomBytes(6).toString('base64url'), body]);
    return { epoch, seq: Number(seq) };
  }

  async position(peer: string): Promise<{ epoch: string | null; head: number; acked: number }> {
    const [epoch, head, acked] = await this.redis.mget(this.k('epoch', peer), this.k('head', peer), this.k('acked', peer));
    return { epoch, head: Number(head ?? 0), acked: Number(acked ?? 0) };
  }

  async message(peer: string, seq: number): Promise<string | null> {
    return this.redis.hget(this.k('msg', peer), String(seq));
  }

  async ack(peer: string, seq: number): Promise<void> {
    await scripts.ack.run(this.redis, [this.k('acked', peer), this.k('msg', peer)], [seq]);
  }

  async lock(peer: string, token: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(this.k('lock', peer), token, 'PX', ttlMs, 'NX')) === 'OK';
  }

  async refresh(peer: string, token: string, ttlMs: number): Promise<boolean> {
    return Number(await refreshLock.run(this.redis, [this.k('lock', peer)], [token, ttlMs])) === 1;
  }

  async unlock(peer: string, token: string): Promise<void> {
    await releaseLock.run(this.redis, [this.k('lock', peer)], [token]);
  }

  /** Mark the peer unreachable for a while (other jobs wait instead of probing); returns consecutive failures. */
  async markDown(peer: string, backoff: (failures: number) => number): Promise<{ failures: number; ms: number }> {
    const failures = await this.redis.incr(this.k('fail', peer));
    const ms = backoff(failures);
    await this.redis.set(this.k('down', peer), '1', 'PX', Math.max(1, ms));
    return { failures, ms };
  }

  async downFor(peer: string): Promise<number> {
    return Math.max(0, await this.redis.pttl(this.k('down', peer)));
  }

  async markUp(peer: string): Promise<void> {
    await this.redis.del(this.k('down', peer), this.k('fail', peer));
  }

  // --- receiver ---

  /** True the first time a nonce is seen from a peer within the window. */
  async claimNonce(peer: string, nonce: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(`${this.p}:nonce:${peer}:${nonce}`, '1', 'PX', ttlMs, 'NX')) === 'OK';
  }

  async highWater(peer: string, epoch: string): Promise<number> {
    return Number((await this.redis.get(`${this.p}:hwm:${peer}:${epoch}`)) ?? 0);
  }

  async setHighWater(peer: string, epoch: string, seq: number): Promise<void> {
    await scripts.highWater.run(this.redis, [`${this.p}:hwm:${peer}:${epoch}`], [seq, 400 * 86_400_000]);
  }
}
