import { ingestTotalsKey } from '../../../src/contracts/ingest-totals';
import { DetectionStore, type GroupCommit, type GroupUpdate } from '../../../src/detection/detection.store';
import { storeRedis } from './store-redis';

const HOUR = 3_600_000;
const hex = (n: number) => n.toString(16).padStart(8, '0');

describe('DetectionStore (real Redis)', () => {
  const r = storeRedis(15, { detection: { maxWindowValues: 16, evidenceMax: 5 } });
  const store = new DetectionStore(r.redis, r.config);
  const P = store.p;
  const t0 = Date.now() - HOUR;
  const group = (ip: string, over: Partial<GroupUpdate> = {}): GroupUpdate => ({
    ip, scope: '*', first: t0, last: t0 + 1000, n: 2, rateK: 1.5, hi: 1, allowed: 2, blocked: 0, geo: { country: 'KR', asn: 4766, org: 'Korea Telecom' },
    jurisdictions: [['seoul-jongno', t0 + 1000]], dt: hex(1), dp: hex(22), ds: hex(2001), da: '', sigs: [{ key: '2001', count: 2, name: 'SSH scan' }], windows: [], evidence: ['a1', 'a2'], ...over,
  });
  const commitOf = (ip: string, over: Partial<GroupCommit> = {}): GroupCommit => ({ ip, scope: '*', rules: [], rank: null, ...over });
  const stateTtl = Math.ceil(r.config.detection.stateTtlHours * 3600);
  afterAll(() => r.close());

  it('merges a group into the IP’s feature hash and reads it back, with the state TTL', async () => {
    const [read] = (await store.update([group('203.0.113.5')])) ?? [];
    expect(read.hash).toMatchObject({ f: String(t0), l: String(t0 + 1000), n: '2', hi: '1', al: '2', cc: 'KR', as: '4766', ao: 'Korea Telecom', dtn: '1', 'j:seoul-jongno': String(t0 + 1000), 's:2001': '2', 'sn:2001': 'SSH scan' });
    expect(read.baseline.n).toBe(1);
    expect(read.recurrence).toEqual({});
    const [again] = (await store.update([group('203.0.113.5', { first: t0 - 5000, last: t0 + 2000, n: 3, dt: hex(1) + hex(2) })])) ?? [];
    expect(again.hash).toMatchObject({ f: String(t0 - 5000), l: String(t0 + 2000), n: '5', dtn: '2', 's:2001': '4' });
    const ttl = await r.redis.ttl(`${P}f:*:203.0.113.5`);
    expect(ttl).toBeGreaterThan(stateTtl - 60);
    expect(ttl).toBeLessThanOrEqual(stateTtl);
    expect((await store.states('203.0.113.5', ['*', 'seoul-jongno'])).get('*')).toMatchObject({ n: '5' });
    expect([...(await store.states('203.0.113.5', ['*', 'seoul-jongno'])).keys()]).toEqual(['*']);
    expect(await store.statesMany([['203.0.113.5', '*'], ['198.51.100.1', '*']])).toEqual([expect.objectContaining({ n: '5' }), null]);
    expect(await store.update([])).toEqual([]);
  });

  it('keeps up to 7 distinct hashes inline, then promotes them to a HyperLogLog', async () => {
    const ip = '203.0.113.6';
    await store.update([group(ip, { dt: Array.from({ length: 7 }, (_, i) => hex(i)).join('') })]);
    expect((await store.states(ip, ['*'])).get('*')).toMatchObject({ dtn: '7' });
    expect(await r.redis.exists(`${P}h:*:dt:${ip}`)).toBe(0);
    await store.update([group(ip, { dt: hex(7) + hex(8) + hex(0) })]);
    expect((await store.states(ip, ['*'])).get('*')).toMatchObject({ dt: '#', dtn: '9' });
    expect(await r.redis.ttl(`${P}h:*:dt:${ip}`)).toBeGreaterThan(stateTtl - 60);
    await store.update([group(ip, { scope: 'seoul-jongno', dt: Array.from({ length: 10 }, (_, i) => hex(100 + i)).join('') })]);
    expect(await store.promotedUnion(ip, ['*', 'seoul-jongno'], 'dt')).toBe(19);
    expect(await store.promotedUnion(ip, [], 'dt')).toBe(0);
  });

  it('tracks at most 16 signatures per IP, folding the rest into s:~', async () => {
    const ip = '203.0.113.7';
    await store.update([group(ip, { sigs: Array.from({ length: 20 }, (_, i) => ({ key: `sig${i}`, count: 1, name: `n${i}` })) })]);
    const h = (await store.states(ip, ['*'])).get('*') ?? {};
    expect(h.sk).toBe('16');
    expect(h['s:~']).toBe('4');
    expect(h['s:sig16']).toBeUndefined();
  });

  it('an IPv6 prefix state does not teach the scope baseline', async () => {
    const before = (await store.baselines(['*'])).get('*');
    await store.update([group('2001:db8:1:2::/64', { da: hex(1) + hex(2) })]);
    expect((await store.baselines(['*'])).get('*')).toEqual(before);
    expect((await store.states('2001:db8:1:2::/64', ['*'])).get('*')).toMatchObject({ dan: '2' });
    expect(await store.baselines([])).toEqual(new Map());
    expect((await store.baselines(['nowhere'])).has('nowhere')).toBe(false);
  });

  it('correlation windows: drop members older than the window, keep at most maxWindowValues, expire an hour after it', async () => {
    const ip = '203.0.113.8';
    const W = 60_000;
    const items: Array<[string, number]> = Array.from({ length: 20 }, (_, i) => [`e${i}`, t0 + i * 1000]);
    const [read] = (await store.update([group(ip, { windows: [{ ruleId: 'r1', kind: 'e', windowMs: W, items: [['old', t0 - 2 * W]] }] })])) ?? [];
    expect(read.windows).toEqual([[['old', t0 - 2 * W]]]);
    const [next] = (await store.update([group(ip, { windows: [{ ruleId: 'r1', kind: 'e', windowMs: W, items }] })])) ?? [];
    expect(next.windows[0].map(([m]) => m)).toEqual(items.slice(4).map(([m]) => m)); // 'old' out of the window; the 16 newest kept
    const pttl = await r.redis.pttl(`${P}w:*:r1:${ip}`);
    expect(pttl).toBeGreaterThan(W);
    expect(pttl).toBeLessThanOrEqual(W + HOUR);
    // Value windows keep each value's newest time.
    await store.update([group(ip, { windows: [{ ruleId: 'r2', kind: 'v', windowMs: W, items: [['u1', t0 + 5], ['u1', t0 + 1]] }] })]);
    const [v] = (await store.update([group(ip, { windows: [{ ruleId: 'r2', kind: 'v', windowMs: W, items: [['u2', t0 + 2]] }] })])) ?? [];
    expect(new Map(v.windows[0])).toEqual(new Map([['u1', t0 + 5], ['u2', t0 + 2]]));
  });

  it('evidence ids: newest first, at most 200 kept', async () => {
    const ip = '203.0.113.9';
    await store.update([group(ip, { evidence: Array.from({ length: 250 }, (_, i) => `ev${i}`) })]);
    expect(await r.redis.llen(`${P}ev:${ip}`)).toBe(200);
    expect(await store.evidence(ip, 3)).toEqual(['ev249', 'ev248', 'ev247']);
  });

  it('an ingest chunk is merged once: a retry only reads, and after its commit update answers null', async () => {
    const ip = '198.51.100.20';
    const first = (await store.update([group(ip)], 'chunk-1')) ?? [];
    expect(first[0].hash.n).toBe('2');
    const retry = (await store.update([group(ip, { windows: [{ ruleId: 'r1', kind: 'e', windowMs: 60_000, items: [['x', t0]] }] })], 'chunk-1')) ?? [];
    expect(retry[0].hash.n).toBe('2');
    expect(retry[0].windows).toEqual([[]]);
    const mark = `${P}chunk:chunk-1`;
    expect(await r.redis.get(mark)).toBe('u');
    const markTtl = Math.max(900, Math.ceil((r.config.ingest.lockDurationMs * 10) / 1000));
    expect(await r.redis.ttl(mark)).toBeGreaterThan(markTtl - 60);
    expect(await r.redis.ttl(mark)).toBeLessThanOrEqual(markTtl);

    const scoredBefore = Number((await r.redis.hget(ingestTotalsKey(r.config.redis.keyPrefix), 'scored')) ?? 0);
    await store.commit([commitOf(ip, { rank: 5 })], 0, 2, 'chunk-1');
    expect(await store.commit([commitOf(ip, { rank: 9 })], 0, 2, 'chunk-1')).toEqual([]);
    expect(Number(await r.redis.hget(ingestTotalsKey(r.config.redis.keyPrefix), 'scored'))).toBe(scoredBefore + 2);
    expect(await store.ranked('*', 0, 100)).toContainEqual({ ip, key: 5 });
    expect(await r.redis.get(mark)).toBe('c');
    expect(await store.update([group(ip)], 'chunk-1')).toBeNull();
    expect((await store.states(ip, ['*'])).get('*')?.n).toBe('2');
    // Without a chunk id every call merges.
    await store.update([group(ip)]);
    expect((await store.states(ip, ['*'])).get('*')?.n).toBe('4');
  });

  it('commit: a rule firing only replaces an older one; ranks are set, removed and cut at the floor', async () => {
    const ip = '198.51.100.21';
    await store.update([group(ip)]);
    await store.commit([commitOf(ip, { rules: [{ id: 'brute', record: `${t0 + 10}|80`, at: t0 + 10 }], rank: 3 })], 0);
    await store.commit([commitOf(ip, { rules: [{ id: 'brute', record: `${t0 + 5}|10`, at: t0 + 5 }], rank: 3 })], 0);
    expect((await store.states(ip, ['*'])).get('*')?.['r:brute']).toBe(`${t0 + 10}|80`);
    await store.commit([commitOf(ip, { rules: [{ id: 'brute', record: `${t0 + 20}|90`, at: t0 + 20 }], rank: 3 })], 0);
    expect((await store.states(ip, ['*'])).get('*')?.['r:brute']).toBe(`${t0 + 20}|90`);
    expect(await store.ranked('*', 2.5, 10)).toContainEqual({ ip, key: 3 });
    await store.commit([commitOf(ip, { rank: null })], 0);
    expect((await store.ranked('*', -100, 100)).map((x) => x.ip)).not.toContain(ip);
    await store.commit([commitOf(ip, { rank: 1 }), commitOf('198.51.100.22', { rank: 10 })], 4);
    expect((await store.ranked('*', -100, 100)).map((x) => x.ip)).not.toContain(ip); // below the floor: trimmed
    expect(await store.ranked('*', 4, 1)).toEqual([{ ip: '198.51.100.22', key: 10 }]);
  });

  it('a flag is won once per generation (compare-and-set), logged and handed the evidence', async () => {
    const ip = '198.51.100.30';
    await store.update([group(ip, { evidence: ['e1', 'e2', 'e3', 'e4', 'e5', 'e6'] })]);
    const flag = { expectedGen: 0, score: 85, at: t0 + 100, log: { ip, score: 85 } };
    const results = await Promise.all([store.commit([commitOf(ip, { flag })], 0), store.commit([commitOf(ip, { flag })], 0)]);
    const won = results.flat();
    expect(won).toEqual([{ ip, generation: 1, evidence: ['e6', 'e5', 'e4', 'e3', 'e2'] }]);
    expect((await store.states(ip, ['*'])).get('*')).toMatchObject({ fg: '1', fs: '85', fa: String(t0 + 100) });
    expect((await store.recentFlags(1))[0]).toEqual({ generation: 1, ip, score: 85 });
    expect(await store.commit([commitOf(ip, { flag: { ...flag, expectedGen: 1 } })], 0)).toEqual([{ ip, generation: 2, evidence: expect.any(Array) }]);
  });

  it('records blocks for the recurrence factor, per jurisdiction, for recurrenceTtlDays', async () => {
    const ip = '198.51.100.40';
    expect(await store.recordBlock(ip, 'seoul-jongno', t0)).toBe(1);
    expect(await store.recordBlock(ip, null, t0 + 1)).toBe(2);
    expect(await store.recurrenceMany([ip, '192.0.2.1'])).toEqual([{ n: '2', at: String(t0 + 1), 'j:seoul-jongno': '1' }, {}]);
    const ttl = await r.redis.ttl(`${P}rec:${ip}`);
    expect(ttl).toBeGreaterThan(r.config.detection.recurrenceTtlDays * 86_400 - 60);
    const [read] = (await store.update([group(ip)])) ?? [];
    expect(read.recurrence).toMatchObject({ n: '2' });
    expect(await store.recurrenceMany([])).toEqual([]);
  });

  it('writes nothing outside its prefix', async () => {
    expect(await r.strays()).toEqual([]);
  });
});
