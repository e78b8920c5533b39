import type { RejectRecord } from '../../../src/ingest/ingest.schemas';
import { IngestStore } from '../../../src/ingest/ingest.store';
import { compareStreamIds } from '../../../src/infra/redis/stream-id';
import { storeRedis } from './store-redis';

type Row = Omit<RejectRecord, 'id' | 'at'>;
const reject = (jurisdiction: string, line: number): Row => ({ jurisdiction, batchId: 'b1', source: 'sensor-1', line, format: 'json', error: 'bad json', raw: `{line ${line}` });

describe('IngestStore (real Redis)', () => {
  const r = storeRedis(13, { ingest: { rejectsPerJurisdiction: 100 } });
  const store = new IngestStore(r.redis, r.config);
  const stream = (j: string) => `${r.config.redis.keyPrefix}:ingest:rejects:${j}`;
  afterAll(() => r.close());

  /** Every page of a listing, following `next`. */
  async function allPages(jurisdictions: string[], limit: number): Promise<RejectRecord[]> {
    const out: RejectRecord[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 1000; pages++) {
      const page = await store.listRejects(jurisdictions, limit, cursor);
      out.push(...page.items);
      if (!page.next) return out;
      cursor = page.next;
    }
    throw new Error('the cursor never ends');
  }

  it('round-trips rejected lines, newest first, with their stream id and time', async () => {
    await store.addRejects([reject('seoul-jongno', 1), reject('seoul-jongno', 2)]);
    await store.addRejects([]);
    const page = await store.listRejects(['seoul-jongno'], 10);
    expect(page.next).toBeNull();
    expect(page.items.map((x) => x.line)).toEqual([2, 1]);
    expect(page.items[0]).toEqual({ ...reject('seoul-jongno', 2), id: expect.stringMatching(/^\d+-\d+$/), at: expect.any(String) });
    expect(await store.listRejects(['busan-jung'], 10)).toEqual({ items: [], next: null });
  });

  it('keeps each jurisdiction’s stream bounded near rejectsPerJurisdiction', async () => {
    const rows = Array.from({ length: 500 }, (_, i) => reject('daegu-jung', i));
    await store.addRejects(rows);
    const len = await r.redis.xlen(stream('daegu-jung'));
    expect(len).toBeGreaterThanOrEqual(100);
    expect(len).toBeLessThan(500); // MAXLEN ~ trims whole stream nodes
    expect(await r.redis.xlen(stream('seoul-jongno'))).toBe(2);
  });

  it('pages across jurisdictions newest first, each line once', async () => {
    for (let i = 0; i < 5; i++) {
      await store.addRejects([reject('gwangju-dong', i)]);
      await store.addRejects([reject('ulsan-jung', i)]);
    }
    const all = await allPages(['gwangju-dong', 'ulsan-jung'], 3);
    expect(all).toHaveLength(10);
    expect(new Set(all.map((x) => `${x.jurisdiction}/${x.line}`)).size).toBe(10);
    for (let i = 1; i < all.length; i++) expect(compareStreamIds(all[i - 1].id, all[i].id)).toBeGreaterThanOrEqual(0);
  });

  it('does not skip a line of another jurisdiction that has the same stream id as the page’s last one', async () => {
    await store.addRejects([reject('incheon-jung', 1)]);
    const [[sid]] = await r.redis.xrange(stream('incheon-jung'), '-', '+');
    // Another process rejected a line for another jurisdiction in the same millisecond: each stream numbers its own entries.
    await r.redis.xadd(stream('sejong'), sid, 'r', JSON.stringify({ ...reject('sejong', 1), at: new Date().toISOString() }));
    const all = await allPages(['incheon-jung', 'sejong'], 1);
    expect(all.map((x) => x.jurisdiction).sort()).toEqual(['incheon-jung', 'sejong']);
    // A bare stream id (a cursor from before the jurisdiction was added to it) means "older than this id" everywhere.
    expect((await store.listRejects(['incheon-jung', 'sejong'], 10, sid)).items).toEqual([]);
  });

  it('remembers an idempotent answer per jurisdiction and key for idempotencyTtlSeconds', async () => {
    expect(await store.recallAnswer('seoul-jongno', 'k1')).toBeNull();
    await store.rememberAnswer('seoul-jongno', 'k1', '{"accepted":3}');
    expect(await store.recallAnswer('seoul-jongno', 'k1')).toBe('{"accepted":3}');
    expect(await store.recallAnswer('busan-jung', 'k1')).toBeNull();
    const ttl = await r.redis.ttl(`${r.config.redis.keyPrefix}:ingest:idem:seoul-jongno:k1`);
    expect(ttl).toBeGreaterThan(r.config.ingest.idempotencyTtlSeconds - 60);
    expect(ttl).toBeLessThanOrEqual(r.config.ingest.idempotencyTtlSeconds);
  });

  it('writes nothing outside its prefix', async () => {
    expect(await r.strays()).toEqual([]);
  });
});
