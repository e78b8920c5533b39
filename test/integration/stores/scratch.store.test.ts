import { ScratchStore } from '../../../src/playbooks/backtest/scratch.store';
import { storeRedis } from './store-redis';

describe('ScratchStore (real Redis)', () => {
  const r = storeRedis(4);
  const prefix = `${r.config.redis.keyPrefix}:backtest-abcd1234`;
  const store = new ScratchStore(r.redis, prefix);
  afterAll(() => r.close());

  it('drops every key under its prefix, across several SCAN pages, and nothing else', async () => {
    const pipe = r.redis.pipeline();
    for (let i = 0; i < 1200; i++) pipe.set(`${prefix}:det:${i}`, '1');
    pipe.zadd(`${prefix}:z`, 1, 'm');
    pipe.set(`${r.config.redis.keyPrefix}:real:keep`, '1');
    pipe.set(`${r.config.redis.keyPrefix}:backtest-other:keep`, '1');
    await pipe.exec();
    expect(await store.drop()).toBe(1201);
    expect(await r.allKeys()).toEqual([`${r.config.redis.keyPrefix}:backtest-other:keep`, `${r.config.redis.keyPrefix}:real:keep`]);
  });

  it('dropping an empty scratch is a no-op', async () => {
    expect(await store.drop()).toBe(0);
  });

  it('writes nothing outside its prefix', async () => {
    expect(await r.strays()).toEqual([]);
  });
});
