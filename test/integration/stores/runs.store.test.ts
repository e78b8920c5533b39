import type { RunRecord, RunStatus } from '../../../src/playbooks/engine/run.types';
import { RunsStore } from '../../../src/playbooks/runs/runs.store';
import { storeRedis } from './store-redis';

const run = (id: string, createdMs: number, over: { playbook?: string; owner?: string; status?: RunStatus } = {}): RunRecord => ({
  id,
  playbook: { id: over.playbook ?? 'pb1', name: 'pb', owner: over.owner ?? 'seoul-jongno', version: 1, hash: 'h' },
  mode: 'enforcing',
  trigger: { type: 'manual', key: id, ip: '203.0.113.5', summary: '', jurisdictions: ['seoul-jongno'], view: {} },
  status: over.status ?? 'succeeded',
  cursor: 0,
  steps: [],
  decisions: [],
  created: new Date(createdMs).toISOString(),
  updated: new Date(createdMs).toISOString(),
  finished: null,
  error: null,
  stopReason: null,
});

describe('RunsStore (real Redis)', () => {
  const r = storeRedis(7);
  const store = new RunsStore(r.redis, r.config);
  const owners = new Set(['seoul-jongno']);
  const t0 = Date.now() - 60_000;
  afterAll(() => r.close());

  it('creates a run once per id (a redelivered trigger is a no-op), with the retention as TTL', async () => {
    const a = run('r1', t0);
    expect(await store.create(a)).toBe(true);
    expect(await store.create({ ...a, status: 'failed' })).toBe(false);
    expect(await store.get('r1')).toEqual(a);
    const ttl = await r.redis.ttl(`${r.config.redis.keyPrefix}:playbooks:run:r1`);
    expect(ttl).toBeGreaterThan(r.config.playbooks.retentionDays * 86_400 - 60);
    expect(ttl).toBeLessThanOrEqual(r.config.playbooks.retentionDays * 86_400);
    expect(await store.list({ owners, limit: 10 })).toEqual({ items: [a], next: null });
    expect(await store.get('nope')).toBeNull();
  });

  it('save replaces the record and keeps a TTL', async () => {
    await store.save({ ...run('r1', t0), status: 'failed' });
    expect((await store.get('r1'))?.status).toBe('failed');
    expect(await r.redis.ttl(`${r.config.redis.keyPrefix}:playbooks:run:r1`)).toBeGreaterThan(0);
  });

  it('the lock is exclusive, and only its holder releases it', async () => {
    expect(await store.lock('r1', 'tok-a', 60_000)).toBe(true);
    expect(await store.lock('r1', 'tok-b', 60_000)).toBe(false);
    await store.unlock('r1', 'tok-b');
    expect(await store.lock('r1', 'tok-b', 60_000)).toBe(false);
    const pttl = await r.redis.pttl(`${r.config.redis.keyPrefix}:playbooks:run-lock:r1`);
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(60_000);
    await store.unlock('r1', 'tok-a');
    expect(await store.lock('r1', 'tok-b', 60_000)).toBe(true);
    await store.unlock('r1', 'tok-b');
  });

  it('lists newest first and pages with the cursor, per playbook, filtered by owner and status', async () => {
    for (let i = 2; i <= 6; i++) await store.create(run(`r${i}`, t0 + i * 10, { playbook: i % 2 ? 'pb2' : 'pb1', status: i === 4 ? 'failed' : 'succeeded' }));
    await store.create(run('other', t0 + 100, { owner: 'busan-jung' }));
    const first = await store.list({ owners, limit: 2 });
    expect(first.items.map((x) => x.id)).toEqual(['r6', 'r5']);
    const second = await store.list({ owners, limit: 2, before: first.next ?? undefined });
    expect(second.items.map((x) => x.id)).toEqual(['r4', 'r3']);
    const third = await store.list({ owners, limit: 2, before: second.next ?? undefined });
    expect(third.items.map((x) => x.id)).toEqual(['r2', 'r1']);
    const last = await store.list({ owners, limit: 2, before: third.next ?? undefined });
    expect(last).toEqual({ items: [], next: null });
    expect((await store.list({ owners, limit: 10, playbook: 'pb2' })).items.map((x) => x.id)).toEqual(['r5', 'r3']);
    expect((await store.list({ owners, limit: 10, status: 'failed' })).items.map((x) => x.id)).toEqual(['r4', 'r1']);
    expect((await store.list({ owners: new Set(['busan-jung']), limit: 10 })).items.map((x) => x.id)).toEqual(['other']);
  });

  it('a page that scans past many hidden runs comes back short with a cursor that continues the scan', async () => {
    const pipe = r.redis.pipeline();
    for (let i = 0; i < 5200; i++) {
      const x = run(`hidden${i}`, t0 - 10_000 - i, { owner: 'busan-jung' });
      pipe.set(`${r.config.redis.keyPrefix}:playbooks:run:${x.id}`, JSON.stringify(x), 'EX', 3600);
      pipe.zadd(`${r.config.redis.keyPrefix}:playbooks:runs`, Date.parse(x.created), x.id);
    }
    const visible = run('old-visible', t0 - 20_000);
    await pipe.exec();
    await store.create(visible);
    const page = await store.list({ owners, limit: 10, before: String(t0) });
    expect(page.items).toEqual([]);
    expect(page.next).not.toBeNull();
    const more = await store.list({ owners, limit: 10, before: page.next ?? undefined });
    expect(more.items.map((x) => x.id)).toEqual(['old-visible']);
  });

  it('paging does not skip runs created in the same millisecond as the last one of a page', async () => {
    const same = t0 - 1_000_000;
    for (const id of ['s1', 's2', 's3']) await store.create(run(id, same, { playbook: 'pb-same' }));
    const first = await store.list({ owners, limit: 2, playbook: 'pb-same' });
    const second = await store.list({ owners, limit: 2, playbook: 'pb-same', before: first.next ?? undefined });
    expect([...first.items, ...second.items].map((x) => x.id).sort()).toEqual(['s1', 's2', 's3']);
  });

  it('nor those of one millisecond that straddle a scan batch (200 ids)', async () => {
    const same = t0 - 2_000_000;
    const pipe = r.redis.pipeline();
    for (let i = 0; i < 250; i++) {
      const x = run(`b${String(i).padStart(3, '0')}`, same, { playbook: 'pb-batch' });
      pipe.set(`${r.config.redis.keyPrefix}:playbooks:run:${x.id}`, JSON.stringify(x), 'EX', 3600);
      pipe.zadd(`${r.config.redis.keyPrefix}:playbooks:runs:pb:pb-batch`, same, x.id);
    }
    await pipe.exec();
    const page = await store.list({ owners, limit: 500, playbook: 'pb-batch' });
    expect(page.items).toHaveLength(250);
    expect(page.next).toBeNull();
    // A bare-time cursor (older clients) means everything older than that millisecond.
    expect((await store.list({ owners, limit: 500, playbook: 'pb-batch', before: String(same) })).items).toEqual([]);
    expect((await store.list({ owners, limit: 500, playbook: 'pb-batch', before: String(same + 1) })).items).toHaveLength(250);
  });

  it('writes nothing outside its prefix', async () => {
    expect(await r.strays()).toEqual([]);
  });
});
