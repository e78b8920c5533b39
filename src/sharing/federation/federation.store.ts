import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import { CONFIG } from '../../infra/config/config.module';
import type { GwanjeConfig } from '../../infra/config/config.schema';
import { REDIS } from '../../infra/redis/redis.module';

/** Append to a peer's outbox: the epoch (created once), the next sequence number, the message. */
const ENQUEUE_LUA = `
local epoch = redis.call('GET', KEYS[1])
if not epoch then
  epoch = ARGV[1]
  redis.call('SET', KEYS[1], epoch)
end
local seq = redis.call('INCR', KEYS[2])
redis.call('HSET', KEYS[3], tostring(seq), ARGV[2])
return {epoch, seq}
`;

/** Advance the acknowledged position (never backwards) and drop the message. */
const ACK_LUA = `
local acked = tonumber(redis.call('GET', KEYS[1]) or '0')
local seq = tonumber(ARGV[1])
if seq > acked then redis.call('SET', KEYS[1], ARGV[1]) end
redis.call('HDEL', KEYS[2], ARGV[1])
return seq
`;

/** Release a lock only if we still hold it. */
const RELEASE_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;
/** Extend a lock only if we still hold it. */
const REFRESH_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`;
/** Receiver: raise the high-water mark of (peer, epoch), never lower it. */
const HWM_SET_LUA = `
local hwm = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > hwm then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) end
return hwm
`;

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
    redis.defineCommand('gwFedEnqueue', { numberOfKeys: 3, lua: ENQUEUE_LUA });
    redis.defineCommand('gwFedAck', { numberOfKeys: 2, lua: ACK_LUA });
    redis.defineCommand('gwFedRelease', { numberOfKeys: 1, lua: RELEASE_LUA });
    redis.defineCommand('gwFedRefresh', { numberOfKeys: 1, lua: REFRESH_LUA });
    redis.defineCommand('gwFedHwm', { numberOfKeys: 1, lua: HWM_SET_LUA });
  }

  private k = (what: string, peer: string) => `${this.p}:${what}:${peer}`;

  // --- sender ---

  async enqueue(peer: string, body: string): Promise<{ epoch: string; seq: number }> {
    const [epoch, seq] = (await (this.redis as any).gwFedEnqueue(this.k('epoch', peer), this.k('head', peer), this.k('msg', peer), randomBytes(6).toString('base64url'), body)) as [string, number];
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
    await (this.redis as any).gwFedAck(this.k('acked', peer), this.k('msg', peer), String(seq));
  }

  async lock(peer: string, token: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(this.k('lock', peer), token, 'PX', ttlMs, 'NX')) === 'OK';
  }

  async refresh(peer: string, token: string, ttlMs: number): Promise<boolean> {
    return Number(await (this.redis as any).gwFedRefresh(this.k('lock', peer), token, String(ttlMs))) === 1;
  }

  async unlock(peer: string, token: string): Promise<void> {
    await (this.redis as any).gwFedRelease(this.k('lock', peer), token);
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
    await (this.redis as any).gwFedHwm(`${this.p}:hwm:${peer}:${epoch}`, String(seq), String(400 * 86_400_000));
  }
}
