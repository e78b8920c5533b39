import Redis from 'ioredis';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ApiKeysStore } from '../../src/auth/api-keys.store';
import { releaseLock } from '../../src/infra/redis/lock-scripts';
import { LuaScriptError, luaScript } from '../../src/infra/redis/scripts';
import { redisUrl, testConfig } from '../helpers/app';

/** The part of a key Redis Cluster hashes: the first non-empty {…}, else the whole key. */
function hashTag(key: string): string {
  const open = key.indexOf('{');
  const close = open < 0 ? -1 : key.indexOf('}', open + 1);
  return close > open + 1 ? key.slice(open + 1, close) : key;
}

/** The typed wrapper over the .lua files, against the real Redis. */
describe('Lua scripts (src/infra/redis/scripts.ts)', () => {
  let redis: Redis;
  let dir: string;
  const prefix = `t${process.pid}scripts`;

  beforeAll(() => {
    redis = new Redis(redisUrl());
    dir = mkdtempSync(path.join(tmpdir(), 'gw-lua-'));
  });
  afterAll(() => {
    redis?.disconnect();
    rmSync(dir, { recursive: true, force: true });
  });

  function script(name: string, header: string, body: string) {
    writeFileSync(path.join(dir, name), `--[[\n${header}\n]]\n${body}\n`);
    return luaScript<[key: string], [value: string], [string, string]>(dir, name);
  }
  const SET_GET = ['  Input:', '    KEYS[1] key', '    ARGV[1] value', '  Output:', '    {previous, value}'].join('\n');

  // (No SCRIPT FLUSH here: suites running beside this one share the Redis.) A new script is unknown
  // to Redis, so its first run is EVALSHA → NOSCRIPT → EVAL, its second EVALSHA.
  it('runs a script with its keys and arguments, first unknown to Redis, then cached', async () => {
    const s = script('set-get-1.lua', SET_GET, "local old = redis.call('GET', KEYS[1]) or '' redis.call('SET', KEYS[1], ARGV[1]) return {old, ARGV[1]}");
    expect(s.numberOfKeys).toBe(1);
    expect(await s.run(redis, [`${prefix}:a`], ['1'])).toEqual(['', '1']);
    expect(await s.run(redis, [`${prefix}:a`], ['2'])).toEqual(['1', '2']);
  });

  it('queues on pipelines made from a client it was defined on, and says so otherwise', async () => {
    const s = script('pipe-1.lua', SET_GET, "redis.call('SET', KEYS[1], ARGV[1]) return {'', ARGV[1]}");
    const early = redis.pipeline();
    expect(() => s.queue(early, [`${prefix}:p`], ['x'])).toThrow(LuaScriptError);
    s.define(redis);
    const pipe = redis.pipeline();
    s.queue(pipe, [`${prefix}:p`], ['x']);
    s.queue(pipe, [`${prefix}:q`], ['y']);
    expect(await pipe.exec()).toEqual([[null, ['', 'x']], [null, ['', 'y']]]);
  });

  it('refuses a key count other than the declared one instead of passing keys as arguments', () => {
    const s = script('count-1.lua', SET_GET, 'return {}');
    // @ts-expect-error the types allow the declared keys only; this is the run-time guard behind them
    expect(() => s.run(redis, [`${prefix}:a`, `${prefix}:b`], ['1'])).toThrow(/takes 1 keys, got 2/);
  });

  it('the lock scripts release only with the holder’s token', async () => {
    const lock = `${prefix}:lock`;
    await redis.set(lock, 'mine', 'PX', 60_000);
    expect(await releaseLock.run(redis, [lock], ['theirs'])).toBe(0);
    expect(await redis.get(lock)).toBe('mine');
    expect(await releaseLock.run(redis, [lock], ['mine'])).toBe(1);
    expect(await redis.exists(lock)).toBe(0);
  });

  it('the sliding window derives its bucket keys inside the hash tag of the key it declares (one Cluster slot)', async () => {
    const config = testConfig();
    const store = new ApiKeysStore(redis, config);
    const hit = await store.slidingHit('rate:k1', 60_000, 0);
    expect(hit).toMatchObject({ current: 1, previous: 0, warn: true });
    const keys = await redis.keys(`${config.redis.keyPrefix}:keys:*`);
    expect(keys.length).toBe(2); // the current bucket and the warning mark
    expect(keys.map(hashTag)).toEqual(['rate:k1', 'rate:k1']);
    await redis.del(...keys);
  });
});
