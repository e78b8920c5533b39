import type Redis from 'ioredis';
import { createRedis } from '../../../src/infra/redis/redis.connection';
import type { GwanjeConfig } from '../../../src/infra/config/config.schema';
import { redisUrl, testConfig } from '../../helpers/app';

/**
 * A store spec's Redis: the harness's server, but a database of its own (`db`, 1–15, one per spec
 * file), so that after the tests the whole database can be scanned and every key must sit under the
 * config's prefix — a key written anywhere else by the store shows up, whatever other suites write
 * beside it in database 0.
 */
export interface StoreRedis {
  redis: Redis;
  config: GwanjeConfig;
  /** Every key of the database, via SCAN. */
  allKeys(): Promise<string[]>;
  /** Keys of the database that are not under `<prefix>:`. */
  strays(): Promise<string[]>;
  close(): Promise<void>;
}

export function storeRedis(db: number, overrides: Parameters<typeof testConfig>[0] = {}): StoreRedis {
  const url = `${redisUrl()}/${db}`;
  const config = testConfig({ ...overrides, redis: { ...overrides.redis, url } });
  const redis = createRedis({ url });
  const allKeys = async () => {
    const out: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'COUNT', 1000);
      cursor = next;
      out.push(...keys);
    } while (cursor !== '0');
    return out.sort();
  };
  return {
    redis,
    config,
    allKeys,
    strays: async () => (await allKeys()).filter((k) => !k.startsWith(`${config.redis.keyPrefix}:`)),
    close: async () => {
      // A leftover prefix from an earlier run would only be noise for the next: drop ours.
      const mine = await allKeys();
      if (mine.length) await redis.unlink(...mine);
      await redis.quit();
    },
  };
}
