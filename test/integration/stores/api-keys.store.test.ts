import { ApiKeysStore } from '../../../src/auth/api-keys.store';
import type { ApiKeyRecord } from '../../../src/auth/auth.schemas';
import { storeRedis } from './store-redis';

const record = (id: string, created: string): ApiKeyRecord => ({ id, name: `key ${id}`, role: 'analyst', jurisdiction: 'seoul-jongno', created, createdBy: 'admin', revoked: null });

describe('ApiKeysStore (real Redis)', () => {
  const r = storeRedis(2);
  const store = new ApiKeysStore(r.redis, r.config);
  const p = `${r.config.redis.keyPrefix}:keys`;
  afterAll(() => r.close());

  it('round-trips a key with its secret hash; an unknown id is null', async () => {
    const k = record('k1', '2026-01-02T00:00:00.000Z');
    await store.save(k, 'hash-1');
    expect(await store.find('k1')).toEqual({ record: k, hash: 'hash-1' });
    expect(await store.find('nope')).toBeNull();
  });

  it('lists every key oldest first, and shows a revocation', async () => {
    await store.save(record('k0', '2026-01-01T00:00:00.000Z'), 'hash-0');
    await store.save(record('k2', '2026-01-03T00:00:00.000Z'), 'hash-2');
    await store.revoke('k1', '2026-02-01T00:00:00.000Z');
    const list = await store.list();
    expect(list.map((k) => k.id)).toEqual(['k0', 'k1', 'k2']);
    expect(list[1].revoked).toBe('2026-02-01T00:00:00.000Z');
    expect((await store.find('k1'))?.record.revoked).toBe('2026-02-01T00:00:00.000Z');
  });

  it('saving the same id again replaces it instead of listing it twice', async () => {
    await store.save({ ...record('k0', '2026-01-01T00:00:00.000Z'), name: 'renamed' }, 'hash-0b');
    const list = await store.list();
    expect(list.filter((k) => k.id === 'k0')).toHaveLength(1);
    expect(await store.find('k0')).toMatchObject({ record: { name: 'renamed' }, hash: 'hash-0b' });
  });

  it('list skips an id whose hash is gone', async () => {
    await r.redis.sadd(`${p}:all`, 'ghost');
    expect((await store.list()).map((k) => k.id)).not.toContain('ghost');
  });

  it('sliding counter: counts per counter, warns once per window, buckets expire after two windows', async () => {
    const windowMs = 600_000;
    const first = await store.slidingHit('rate:k1', windowMs, 2);
    expect(first).toMatchObject({ current: 1, previous: 0, windowMs, warn: false });
    expect((await store.slidingHit('rate:k1', windowMs, 2)).warn).toBe(false);
    // A window boundary between the hits would restart the count; the estimate includes the previous bucket, so the third hit exceeds 2 either way.
    const third = await store.slidingHit('rate:k1', windowMs, 2);
    expect(third.warn).toBe(true);
    expect((await store.slidingHit('rate:k1', windowMs, 2)).warn).toBe(false);
    expect((await store.slidingHit('authfail:10.0.0.1', windowMs, 2)).current).toBe(1);

    const buckets = (await r.redis.keys(`${p}:{rate:k1}:*`)).filter((k) => !k.endsWith(':warned'));
    expect(buckets.length).toBeGreaterThanOrEqual(1);
    for (const b of buckets) {
      const ttl = await r.redis.pttl(b);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(2 * windowMs);
    }
    const warnedTtl = await r.redis.pttl(`${p}:{rate:k1}:warned`);
    expect(warnedTtl).toBeGreaterThan(0);
    expect(warnedTtl).toBeLessThanOrEqual(windowMs);
  });

  it('writes nothing outside its prefix', async () => {
    expect(await r.strays()).toEqual([]);
  });
});
