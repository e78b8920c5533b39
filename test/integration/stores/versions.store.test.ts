import { VersionsStore, type VersionMeta } from '../../../src/playbooks/registry/versions.store';
import { storeRedis } from './store-redis';

const meta = (hash: string, source: VersionMeta['source'] = { type: 'file', file: 'a.yaml' }): Omit<VersionMeta, 'version'> => ({
  hash, at: '2026-01-01T00:00:00.000Z', source, status: 'active', owner: 'seoul-jongno', name: 'pb', trigger: 'alert',
});

describe('VersionsStore (real Redis)', () => {
  const r = storeRedis(8, { playbooks: { maxVersions: 3 } });
  const store = new VersionsStore(r.redis, r.config);
  afterAll(() => r.close());

  it('appends version 1, with its text by hash, and bumps the generation', async () => {
    expect(await store.generation()).toBe('0');
    expect(await store.append('pb1', 'text-1', meta('h1'), 'f1')).toEqual({ appended: true, version: 1 });
    expect(await store.head('pb1')).toMatchObject({ version: 1, hash: 'h1', fileHash: 'f1', removed: false });
    expect(await store.text('h1')).toBe('text-1');
    expect(await store.generation()).toBe('1');
    expect(await store.head('nope')).toBeNull();
  });

  it('an unchanged file, or the same text from anywhere, appends nothing', async () => {
    expect(await store.append('pb1', 'text-1', meta('h1'), 'f1')).toEqual({ appended: false, version: 1 });
    expect(await store.append('pb1', 'text-1', meta('h1', { type: 'api', by: 'k1' }), null)).toEqual({ appended: false, version: 1 });
    // Same text, file reformatted: the new file hash is remembered, no version.
    expect(await store.append('pb1', 'text-1', meta('h1'), 'f1b')).toEqual({ appended: false, version: 1 });
    expect((await store.head('pb1'))?.fileHash).toBe('f1b');
    expect(await store.versions('pb1')).toHaveLength(1);
    expect(await store.generation()).toBe('1');
  });

  it('an API version keeps the file hash, so a restart with the unchanged file keeps it', async () => {
    expect(await store.append('pb1', 'text-2', meta('h2', { type: 'api', by: 'k1' }), null)).toEqual({ appended: true, version: 2 });
    expect(await store.head('pb1')).toMatchObject({ version: 2, hash: 'h2', fileHash: 'f1b' });
    expect(await store.append('pb1', 'text-1', meta('h1'), 'f1b')).toEqual({ appended: false, version: 2 });
  });

  it('keeps at most maxVersions, oldest dropped', async () => {
    await store.append('pb1', 'text-3', meta('h3', { type: 'api', by: 'k1' }), null);
    await store.append('pb1', 'text-4', meta('h4', { type: 'rollback', from: 3 }), null);
    expect((await store.versions('pb1')).map((v) => v.version)).toEqual([2, 3, 4]);
    expect((await store.versions('pb1'))[2].source).toEqual({ type: 'rollback', from: 3 });
  });

  it('a removed playbook is marked once; appending again revives it as a new version', async () => {
    expect(await store.markRemoved('pb1')).toBe(true);
    expect(await store.markRemoved('pb1')).toBe(false);
    expect(await store.markRemoved('nope')).toBe(false);
    expect((await store.head('pb1'))?.removed).toBe(true);
    const gen = Number(await store.generation());
    expect(await store.append('pb1', 'text-4', meta('h4'), 'f4')).toEqual({ appended: true, version: 5 });
    expect(await store.head('pb1')).toMatchObject({ removed: false, fileHash: 'f4' });
    expect(Number(await store.generation())).toBe(gen + 1);
    expect([...(await store.heads()).keys()]).toEqual(['pb1']);
  });

  it('load errors per file: set, replaced, cleared by an empty list', async () => {
    await store.setErrors('a.yaml', [{ message: 'bad' }]);
    await store.setErrors('b.yaml', [{ message: 'worse' }]);
    await store.setErrors('a.yaml', []);
    expect(await store.errors()).toEqual(new Map([['b.yaml', [{ message: 'worse' }]]]));
  });

  it('writes nothing outside its prefix', async () => {
    expect(await r.strays()).toEqual([]);
  });
});
