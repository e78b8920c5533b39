import { AllowlistStore } from '../../../src/blocklist/allowlist.store';
import type { AllowlistEntry } from '../../../src/blocklist/allowlist.schemas';
import { storeRedis } from './store-redis';

const entry = (id: string, value: string): AllowlistEntry => ({ id, value, jurisdiction: 'seoul-jongno', reason: 'office', created: '2026-01-01T00:00:00.000Z', createdBy: 'admin', expires: null });

describe('AllowlistStore (real Redis)', () => {
  const r = storeRedis(3);
  const store = new AllowlistStore(r.redis, r.config);
  afterAll(() => r.close());

  it('starts empty at version 0', async () => {
    expect(await store.version()).toBe('0');
    expect(await store.all()).toEqual({ version: '0', entries: [] });
    expect(await store.get('a1')).toBeNull();
  });

  it('round-trips entries; every save bumps the version', async () => {
    await store.save(entry('a1', '198.51.100.0/24'));
    expect(await store.version()).toBe('1');
    await store.save(entry('a2', '2001:db8::/32'));
    await store.save({ ...entry('a1', '198.51.100.0/24'), reason: 'city hall' });
    const all = await store.all();
    expect(all.version).toBe('3');
    expect(all.entries.map((e) => e.id).sort()).toEqual(['a1', 'a2']);
    expect(await store.get('a1')).toMatchObject({ reason: 'city hall' });
  });

  it('remove says whether the entry existed, and bumps the version either way', async () => {
    expect(await store.remove('a2')).toBe(true);
    expect(await store.remove('a2')).toBe(false);
    expect(await store.version()).toBe('5');
    expect((await store.all()).entries.map((e) => e.id)).toEqual(['a1']);
  });

  it('versionKey is under the prefix (the ban script reads it)', () => {
    expect(store.versionKey.startsWith(`${r.config.redis.keyPrefix}:`)).toBe(true);
  });

  it('writes nothing outside its prefix', async () => {
    expect(await r.strays()).toEqual([]);
  });
});
