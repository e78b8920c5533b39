import type Redis from 'ioredis';

/** Keys a backtest writes while it replays detection (under its own prefix), removed when it ends. */
export class ScratchStore {
  constructor(private readonly redis: Redis, readonly prefix: string) {}

  /** Delete every key under the scratch prefix. */
  async drop(): Promise<number> {
    let cursor = '0';
    let n = 0;
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', `${this.prefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length) n += await this.redis.unlink(...keys);
    } while (cursor !== '0');
    return n;
  }
}
