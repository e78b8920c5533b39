import type { Decision } from '../../../src/blocklist/decisions.schemas';
import { DecisionsStore, decisionIds } from '../../../src/blocklist/decisions.store';
import { storeRedis } from './store-redis';

const HOUR = 3_600_000;
const J = 'seoul-jongno';

describe('DecisionsStore (real Redis)', () => {
  const r = storeRedis(9, { blocklist: { changeLogMax: 1000 } });
  const store = new DecisionsStore(r.redis, r.config);
  const allowKey = `${r.config.redis.keyPrefix}:bl:allow:ver`;
  const opts = { allowlistVersion: '0', allowlistVersionKey: allowKey };
  const decision = (value: string, over: Partial<Decision> = {}): Decision => {
    const now = Date.now();
    return {
      id: store.nextIds()[0], value, scope: 'ip', jurisdiction: J, type: 'ban', created: new Date(now).toISOString(), expires: new Date(now + HOUR).toISOString(),
      origin: { type: 'manual', id: 'k1' }, reason: 'test', score: 80, confidence: 80, tlp: 'AMBER', repeat: 0, ended: null, ...over,
    };
  };
  afterAll(() => r.close());

  it('ids are decimal, time-ordered and strictly increasing within a process', () => {
    const ids = decisionIds(1000, Date.UTC(2026, 0, 1));
    expect(ids.every((id) => /^\d+$/.test(id))).toBe(true);
    for (let i = 1; i < ids.length; i++) expect(BigInt(ids[i])).toBeGreaterThan(BigInt(ids[i - 1]));
    expect(Number(ids[ids.length - 1])).toBeLessThan(Number.MAX_SAFE_INTEGER);
  });

  it('inserts a decision: record (with retention TTL), active index, value index, history, change counter and log', async () => {
    const d = decision('203.0.113.5');
    expect(await store.insert(d, opts)).toEqual({ kind: 'ok', id: d.id });
    expect(await store.get(d.id)).toEqual(d);
    expect(await store.activeIdFor(J, d.value)).toBe(d.id);
    expect(await store.activeIds(J)).toEqual([d.id]);
    expect(await store.historyIds(J, d.value)).toEqual([d.id]);
    expect(await store.bansSince(J, d.value, Date.parse(d.created))).toBe(1);
    expect((await store.meta(J)).ver).toBe(1);
    const pttl = await r.redis.pttl(`${store.p}:d:${d.id}`);
    const retention = r.config.blocklist.retentionDays * 86_400_000;
    expect(pttl).toBeGreaterThan(retention);
    expect(pttl).toBeLessThanOrEqual(retention + HOUR);
    const changes = await store.changesAfter(J, '0-0', 10);
    expect(changes).toEqual([{ sid: expect.any(String), kind: 'created', id: d.id, ver: 1, decision: d }]);
  });

  it('a second ban of an active value is a no-op answering the existing id', async () => {
    const again = decision('203.0.113.5');
    expect(await store.insert(again, opts)).toEqual({ kind: 'dup', id: (await store.activeIdFor(J, '203.0.113.5')) ?? '' });
    expect(await store.get(again.id)).toBeNull();
    expect((await store.meta(J)).ver).toBe(1);
  });

  it('an idempotency key answers the first decision for a day, even for another value', async () => {
    const a = decision('198.51.100.1');
    expect(await store.insert(a, { ...opts, idempotencyKey: 'req-1' })).toEqual({ kind: 'ok', id: a.id });
    expect(await store.insert(decision('198.51.100.2'), { ...opts, idempotencyKey: 'req-1' })).toEqual({ kind: 'idem', id: a.id });
    const ttl = await r.redis.ttl(`${store.p}:idem:${J}:req-1`);
    expect(ttl).toBeGreaterThan(r.config.blocklist.idempotencyTtlSeconds - 60);
    expect(ttl).toBeLessThanOrEqual(r.config.blocklist.idempotencyTtlSeconds);
    expect(await store.activeIdFor(J, '198.51.100.2')).toBeNull();
  });

  it('refuses a ban checked against an older allowlist version (stale), and a taken id', async () => {
    await r.redis.set(allowKey, '3');
    expect(await store.insert(decision('192.0.2.1'), opts)).toEqual({ kind: 'stale' });
    expect(await store.insert(decision('192.0.2.1'), { ...opts, allowlistVersion: '3' })).toMatchObject({ kind: 'ok' });
    const existing = await store.activeIdFor(J, '203.0.113.5');
    expect(await store.insert(decision('192.0.2.2', { id: existing ?? '' }), { ...opts, allowlistVersion: '3' })).toEqual({ kind: 'taken' });
    await r.redis.set(allowKey, '0');
  });

  it('ends a decision once: record kept with its TTL, indexes cleared, change logged', async () => {
    const id = (await store.activeIdFor(J, '203.0.113.5')) ?? '';
    const d = await store.get(id);
    if (!d) throw new Error(`decision ${id} is gone`);
    const ttlBefore = await r.redis.pttl(`${store.p}:d:${id}`);
    const ended: Decision = { ...d, ended: { at: new Date().toISOString(), by: { type: 'key', id: 'k1' }, reason: 'false positive' } };
    expect(await store.end(ended)).toBe(true);
    expect(await store.end(ended)).toBe(false);
    expect(await store.get(id)).toEqual(ended);
    expect(await r.redis.pttl(`${store.p}:d:${id}`)).toBeLessThanOrEqual(ttlBefore);
    expect(await r.redis.pttl(`${store.p}:d:${id}`)).toBeGreaterThan(ttlBefore - HOUR);
    expect(await store.activeIdFor(J, d.value)).toBeNull();
    const loaded = await store.load(J);
    expect(loaded.ended.map((x) => x.id)).toEqual([id]);
    expect(loaded.active.map((x) => x.id)).not.toContain(id);
    const last = await store.changesAfter(J, '0-0', 100);
    expect(last[last.length - 1]).toMatchObject({ kind: 'ended', id, decision: ended });
    // The value may be banned again now.
    expect(await store.insert(decision('203.0.113.5'), opts)).toMatchObject({ kind: 'ok' });
    expect(await store.historyIds(J, '203.0.113.5')).toHaveLength(2);
  });

  it('sweeps a due expiry exactly once (two sweepers racing), keeping the record', async () => {
    const now = Date.now();
    const d = decision('192.0.2.50', { created: new Date(now - 2 * HOUR).toISOString(), expires: new Date(now + 1000).toISOString() });
    await store.insert(d, opts);
    expect(await store.expiredUnswept(J, now, now + 2000)).toEqual([d.id]);
    const ver = (await store.meta(J)).ver;
    const [a, b] = await Promise.all([store.sweep(now + 2000), store.sweep(now + 2000)]);
    expect(a + b).toBe(1);
    expect(await store.sweep(now + 2000)).toBe(0);
    expect(await store.activeIds(J, now)).not.toContain(d.id);
    expect(await store.get(d.id)).toEqual(d);
    const meta = await store.meta(J);
    expect(meta.ver).toBe(ver); // feeds dropped it at its expiry already
    expect(meta.lastExpiry).toBe(Date.parse(d.expires));
    const expired = (await store.changesAfter(J, '0-0', 1000)).filter((c) => c.kind === 'expired');
    expect(expired.map((c) => c.id)).toEqual([d.id]);
    expect(await store.end({ ...d, ended: { at: new Date().toISOString(), by: { type: 'key', id: 'k1' }, reason: 'late' } })).toBe(false);
  });

  it('an expired-but-unswept decision does not block a new ban, and its sweep leaves the new one indexed', async () => {
    const now = Date.now();
    const old = decision('192.0.2.60', { expires: new Date(now + 500).toISOString() });
    await store.insert(old, opts);
    await r.redis.zadd(`${store.p}:act:${J}`, now - 1, old.id); // as if its expiry had passed
    const fresh = decision('192.0.2.60');
    expect(await store.insert(fresh, opts)).toEqual({ kind: 'ok', id: fresh.id });
    await r.redis.zadd(`${store.p}:exp`, now - 1, `${J}\n${old.id}\n${old.value}`);
    expect(await store.sweep(now)).toBeGreaterThanOrEqual(1);
    expect(await store.activeIdFor(J, '192.0.2.60')).toBe(fresh.id);
  });

  it('lists ids newest first with an exclusive cursor, and forgets index entries', async () => {
    const all = await store.idsBefore(J, null, 1000);
    const sorted = [...all].sort((a, b) => (BigInt(b) > BigInt(a) ? 1 : -1));
    expect(all).toEqual(sorted);
    const page1 = await store.idsBefore(J, null, 2);
    const page2 = await store.idsBefore(J, page1[1], 2);
    expect([...page1, ...page2]).toEqual(all.slice(0, 4));
    await store.forget(J, [all[0]]);
    expect(await store.idsBefore(J, null, 1)).toEqual([all[1]]);
    expect(await store.getMany([all[1], '1'])).toEqual([expect.objectContaining({ id: all[1] }), null]);
  });

  it('bulk insert stores each value once and keeps the change log bounded near changeLogMax', async () => {
    const many = Array.from({ length: 1500 }, (_, i) => decision(`10.1.${Math.floor(i / 250)}.${i % 250}`));
    many.push(decision('10.1.0.0')); // same value as the first: a dup
    expect(await store.insertMany(many, allowKey)).toBe(1500);
    const len = await r.redis.xlen(store.logKey(J));
    expect(len).toBeGreaterThanOrEqual(1000);
    expect(len).toBeLessThan(1500); // MAXLEN ~: trimmed in whole stream nodes
    const bounds = await store.logBounds(J);
    expect(bounds.first).not.toBeNull();
    expect(bounds.last).toBe((await store.load(J)).logId);
    expect((await store.streamInfo(J))?.length).toBe(len);
    expect(await store.streamInfo('nowhere')).toBeNull();
  });

  it('CrowdSec cursors round-trip per key and jurisdiction and expire after 30 days', async () => {
    expect(await store.getCursor('k1', J)).toBeNull();
    await store.setCursor('k1', J, { sid: '1-0', at: 42 });
    expect(await store.getCursor('k1', J)).toEqual({ sid: '1-0', at: 42 });
    expect(await store.getCursor('k2', J)).toBeNull();
    const ttl = await r.redis.ttl(`${store.p}:cs:k1:${J}`);
    expect(ttl).toBeGreaterThan(30 * 86_400 - 60);
    expect(ttl).toBeLessThanOrEqual(30 * 86_400);
  });

  it('writes nothing outside its prefix', async () => {
    expect(await r.strays()).toEqual([]);
  });
});
