import { TagsStore, type IpTag } from '../../../src/playbooks/runs/tags.store';
import { storeRedis } from './store-redis';

const HOUR = 3_600_000;
const tag = (t: string, jurisdiction: string, expiresInMs: number, at: string): IpTag => ({
  tag: t, jurisdiction, note: null, playbook: 'pb1', run: 'r1', at, expires: new Date(Date.now() + expiresInMs).toISOString(),
});

describe('TagsStore (real Redis)', () => {
  const r = storeRedis(5);
  const store = new TagsStore(r.redis, r.config);
  const key = (ip: string) => `${r.config.redis.keyPrefix}:playbooks:tags:${ip}`;
  afterAll(() => r.close());

  it('round-trips tags, oldest first, only for the jurisdictions the caller sees', async () => {
    await store.add('203.0.113.5', [tag('scanner', 'seoul-jongno', HOUR, '2026-01-02T00:00:00.000Z'), tag('tor', 'busan-jung', HOUR, '2026-01-01T00:00:00.000Z')]);
    expect((await store.get('203.0.113.5', new Set(['seoul-jongno', 'busan-jung']))).map((t) => t.tag)).toEqual(['tor', 'scanner']);
    expect((await store.get('203.0.113.5', new Set(['seoul-jongno']))).map((t) => t.tag)).toEqual(['scanner']);
    expect(await store.get('198.51.100.1', new Set(['seoul-jongno']))).toEqual([]);
  });

  it('the same tag in the same jurisdiction is one field: re-tagging replaces it', async () => {
    await store.add('203.0.113.5', [{ ...tag('scanner', 'seoul-jongno', HOUR, '2026-01-03T00:00:00.000Z'), note: 'again' }]);
    const tags = await store.get('203.0.113.5', new Set(['seoul-jongno']));
    expect(tags).toHaveLength(1);
    expect(tags[0].note).toBe('again');
  });

  it('the key lives as long as its longest tag, and a shorter tag never shortens it', async () => {
    const ip = '192.0.2.7';
    await store.add(ip, [tag('a', 'seoul-jongno', 10 * HOUR, '2026-01-01T00:00:00.000Z')]);
    const long = await r.redis.pttl(key(ip));
    expect(long).toBeGreaterThan(9 * HOUR);
    expect(long).toBeLessThanOrEqual(10 * HOUR);
    await store.add(ip, [tag('b', 'seoul-jongno', HOUR, '2026-01-01T00:00:01.000Z')]);
    expect(await r.redis.pttl(key(ip))).toBeGreaterThan(9 * HOUR);
    await store.add(ip, [tag('c', 'seoul-jongno', 20 * HOUR, '2026-01-01T00:00:02.000Z')]);
    expect(await r.redis.pttl(key(ip))).toBeGreaterThan(19 * HOUR);
  });

  it('hides a tag past its own expiry even while the key lives on', async () => {
    const ip = '192.0.2.8';
    await store.add(ip, [tag('old', 'seoul-jongno', -1000, '2026-01-01T00:00:00.000Z'), tag('new', 'seoul-jongno', HOUR, '2026-01-01T00:00:01.000Z')]);
    expect((await store.get(ip, new Set(['seoul-jongno']))).map((t) => t.tag)).toEqual(['new']);
  });

  it('adding no tags writes nothing', async () => {
    await store.add('192.0.2.9', []);
    expect(await r.redis.exists(key('192.0.2.9'))).toBe(0);
  });

  it('writes nothing outside its prefix', async () => {
    expect(await r.strays()).toEqual([]);
  });
});
