import { AlertsStore, decodeCursor, encodeCursor } from '../../../src/alerts/alerts.store';
import type { NormalizedAlert } from '../../../src/contracts/alert';
import { ingestTotalsKey } from '../../../src/contracts/ingest-totals';
import { storeRedis } from './store-redis';

describe('AlertsStore (real Redis)', () => {
  const r = storeRedis(14, { alerts: { perIpIndex: 5 } });
  const store = new AlertsStore(r.redis, r.config);
  const p = r.config.redis.keyPrefix;
  const day = new Date().toISOString().slice(0, 10);
  const alert = (id: string, jurisdiction = 'seoul-jongno', ip = '203.0.113.5'): NormalizedAlert => ({
    id, timestamp: `${day}T00:00:00.000Z`, timezone_source: 'explicit', received: new Date().toISOString(), jurisdiction,
    observer: { vendor: 'OISF', product: 'Suricata', name: null }, source: { ip, port: 4444 }, destination: { ip: '10.0.0.1', port: 22 }, transport: 'tcp',
    rule: { id: '2001', name: 'SSH scan', category: 'scan' }, action: { value: 'allowed', raw: null }, severity: { id: 3, raw: null }, format: 'suricata-eve', original: `{"id":"${id}"}`,
  });
  afterAll(() => r.close());

  it('stores a chunk once, counting it in the ingest totals', async () => {
    const chunk = [alert('a1'), alert('a2'), alert('a3', 'busan-jung')];
    const first = await store.storeChunk(chunk, 'chunk-1');
    expect(first.fresh.map((a) => a.id)).toEqual(['a1', 'a2', 'a3']);
    expect(first.again).toEqual([]);
    expect(first.pending).toEqual(first.fresh);
    expect(await r.redis.hget(ingestTotalsKey(p), 'stored')).toBe('3');
    expect(await store.counts(['seoul-jongno', 'busan-jung', 'daegu-jung'])).toEqual({ 'seoul-jongno': 2, 'busan-jung': 1, 'daegu-jung': 0 });
  });

  it('a retry of the same chunk stores nothing again but hands back what it stored, for scoring', async () => {
    const retry = await store.storeChunk([alert('a1'), alert('a2'), alert('a4')], 'chunk-1');
    expect(retry.fresh.map((a) => a.id)).toEqual(['a4']);
    expect(retry.again.map((a) => a.id)).toEqual(['a1', 'a2']);
    expect(retry.pending.map((a) => a.id)).toEqual(['a1', 'a2', 'a4']);
    expect(await r.redis.hget(ingestTotalsKey(p), 'stored')).toBe('4');
  });

  it('the same alert in another chunk is a duplicate: neither stored nor handed back', async () => {
    const other = await store.storeChunk([alert('a1'), alert('a2')], 'chunk-2');
    expect(other).toEqual({ fresh: [], again: [], pending: [] });
    expect((await store.counts(['seoul-jongno']))['seoul-jongno']).toBe(3);
  });

  it('concurrent attempts of one chunk store each alert exactly once', async () => {
    const chunk = Array.from({ length: 20 }, (_, i) => alert(`c${i}`, 'daegu-jung'));
    const results = await Promise.all([store.storeChunk(chunk, 'chunk-3'), store.storeChunk(chunk, 'chunk-3')]);
    expect(results[0].fresh.length + results[1].fresh.length).toBe(20);
    expect((await store.counts(['daegu-jung']))['daegu-jung']).toBe(20);
  });

  it('seen buckets and per-IP indexes expire after the retention (plus a day); per-minute counts after two days', async () => {
    const ttl = Math.ceil(r.config.alerts.retentionDays * 86_400) + 86_400;
    const seen = await r.redis.ttl(`${p}:alerts:seen:${day}`);
    expect(seen).toBeGreaterThan(ttl - 60);
    expect(seen).toBeLessThanOrEqual(ttl);
    expect(await r.redis.ttl(`${p}:alerts:ip:203.0.113.5`)).toBeGreaterThan(ttl - 60);
    const [pm] = await r.redis.keys(`${p}:alerts:pm:seoul-jongno:*`);
    expect(await r.redis.ttl(pm)).toBeGreaterThan(172_800 - 60);
  });

  it('the per-IP index keeps the newest perIpIndex entries', async () => {
    await store.storeChunk(Array.from({ length: 8 }, (_, i) => alert(`ip${i}`, 'seoul-jongno', '198.51.100.77')), 'chunk-4');
    expect(await r.redis.llen(`${p}:alerts:ip:198.51.100.77`)).toBe(5);
    const page = await store.list(['seoul-jongno'], { limit: 100, srcIp: '198.51.100.77' });
    expect(page.items.map((a) => a.id)).toEqual(['ip7', 'ip6', 'ip5', 'ip4', 'ip3']);
  });

  it('lists newest first across jurisdictions and pages to the end, each alert once', async () => {
    const js = ['seoul-jongno', 'busan-jung', 'daegu-jung'];
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 100; pages++) {
      const page = await store.list(js, { limit: 3, cursor });
      seen.push(...page.items.map((a) => a.id));
      if (!page.next) break;
      cursor = page.next;
    }
    const total = Object.values(await store.counts(js)).reduce((a, b) => a + b, 0);
    expect(seen).toHaveLength(total);
    expect(new Set(seen).size).toBe(total);
    // Newest first: the chunk stored last comes before the first one.
    expect(seen.indexOf('ip7')).toBeLessThan(seen.indexOf('a1'));
  });

  it('does not skip an alert of another jurisdiction with the same stream id as the page’s last one', async () => {
    await store.storeChunk([alert('x1', 'gwangju-dong')], 'chunk-5');
    const [[sid]] = await r.redis.xrange(`${p}:alerts:j:gwangju-dong`, '-', '+');
    await r.redis.xadd(`${p}:alerts:j:ulsan-jung`, sid, 'a', JSON.stringify(alert('x2', 'ulsan-jung')));
    const first = await store.list(['gwangju-dong', 'ulsan-jung'], { limit: 1 });
    const second = await store.list(['gwangju-dong', 'ulsan-jung'], { limit: 1, cursor: first.next ?? undefined });
    expect([...first.items, ...second.items].map((a) => a.id).sort()).toEqual(['x1', 'x2']);
    expect(second.next).toBeNull();
  });

  it('bounds the listing by receive time, and by source IP', async () => {
    const now = Date.now();
    expect((await store.list(['seoul-jongno'], { limit: 100, since: new Date(now + 60_000).toISOString() })).items).toEqual([]);
    expect((await store.list(['seoul-jongno'], { limit: 100, until: new Date(now - 3_600_000).toISOString() })).items).toEqual([]);
    expect((await store.list(['seoul-jongno'], { limit: 100, since: new Date(now - 3_600_000).toISOString() })).items.length).toBeGreaterThan(0);
    expect((await store.list(['busan-jung'], { limit: 100, srcIp: '198.51.100.77' })).items).toEqual([]);
  });

  it('cursors round-trip and a foreign one is refused', () => {
    expect(decodeCursor(encodeCursor({ sid: '1-2', j: 'seoul-jongno' }))).toEqual({ sid: '1-2', j: 'seoul-jongno' });
    expect(decodeCursor('garbage')).toBeNull();
  });

  it('counts alerts per minute of receive time, zeros included', async () => {
    const now = Date.now();
    const since = now - 5 * 60_000;
    const pm = await store.perMinute(['seoul-jongno', 'daegu-jung'], since, now + 60_000);
    expect(pm.minutes[0].minute).toBe(Math.floor(since / 60_000) * 60_000);
    const counted = pm.minutes.reduce((a, m) => a + m.count, 0);
    expect(counted).toBe(pm.byJurisdiction['seoul-jongno'] + pm.byJurisdiction['daegu-jung']);
    const held = await store.counts(['seoul-jongno', 'daegu-jung']);
    expect(pm.byJurisdiction).toEqual(held);
    const minute = Math.floor(now / 60_000) * 60_000;
    expect(await store.perMinute(['seoul-jongno'], minute, minute)).toEqual({ minutes: [], byJurisdiction: { 'seoul-jongno': 0 } });
  });

  it('writes nothing outside its prefix', async () => {
    expect(await r.strays()).toEqual([]);
  });
});
