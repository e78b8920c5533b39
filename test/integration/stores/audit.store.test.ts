import { createHash } from 'node:crypto';
import { AuditStore } from '../../../src/audit/audit.store';
import { storeRedis } from './store-redis';

const sha1 = (s: string) => createHash('sha1').update(s).digest('hex');

describe('AuditStore (real Redis)', () => {
  const r = storeRedis(1);
  const store = new AuditStore(r.redis, r.config);
  afterAll(() => r.close());

  it('appends a hash chain: seq from 1, each entry linked to the previous hash over its stored bytes', async () => {
    const a = await store.append(JSON.stringify({ action: 'key.create', by: 'admin' }));
    const b = await store.append(JSON.stringify({ action: 'key.revoke', by: 'admin' }));
    expect([a.seq, b.seq]).toEqual([1, 2]);
    const rows = await store.range(0, 10);
    expect(rows).toHaveLength(2);
    expect(JSON.parse(rows[0].body)).toEqual({ seq: 1, action: 'key.create', by: 'admin', prevHash: 'genesis' });
    expect(JSON.parse(rows[1].body)).toMatchObject({ seq: 2, prevHash: a.hash });
    expect(rows.map((x) => x.hash)).toEqual([a.hash, b.hash]);
    for (const row of rows) expect(sha1(row.body)).toBe(row.hash);
  });

  it('concurrent appends still form one chain (the Lua links them atomically)', async () => {
    const before = (await store.range(0, 1000)).length;
    await Promise.all(Array.from({ length: 50 }, (_, i) => store.append(JSON.stringify({ action: 'x', i }))));
    const rows = await store.range(0, 1000);
    expect(rows).toHaveLength(before + 50);
    let prev = 'genesis';
    rows.forEach((row, i) => {
      const body = JSON.parse(row.body) as { seq: number; prevHash: string };
      expect(body.seq).toBe(i + 1);
      expect(body.prevHash).toBe(prev);
      prev = row.hash;
    });
  });

  it('pages by seq: range(after, count) is exclusive of `after`, oldest first, bounded by count', async () => {
    const page = await store.range(2, 3);
    expect(page.map((x) => (JSON.parse(x.body) as { seq: number }).seq)).toEqual([3, 4, 5]);
    const next = await store.range(5, 3);
    expect((JSON.parse(next[0].body) as { seq: number }).seq).toBe(6);
    expect(await store.range(10_000, 10)).toEqual([]);
  });

  it('keeps a body holding newlines intact (the hash is split off at the last newline)', async () => {
    const { seq, hash } = await store.append(JSON.stringify({ note: 'two\nlines' }));
    const [row] = await store.range(seq - 1, 1);
    expect(row.hash).toBe(hash);
    expect(JSON.parse(row.body)).toMatchObject({ note: 'two\nlines' });
  });

  it('writes nothing outside its prefix', async () => {
    expect(await r.strays()).toEqual([]);
    expect(await r.allKeys()).toEqual([`${r.config.redis.keyPrefix}:audit:head`, `${r.config.redis.keyPrefix}:audit:log`, `${r.config.redis.keyPrefix}:audit:seq`]);
  });
});
