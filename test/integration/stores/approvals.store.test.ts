import type { ApprovalRecord, Vote } from '../../../src/approvals/approvals.schemas';
import { ApprovalsStore } from '../../../src/approvals/approvals.store';
import { storeRedis } from './store-redis';

type Body = Parameters<ApprovalsStore['create']>[0];
const HOUR = 3_600_000;

describe('ApprovalsStore (real Redis)', () => {
  const r = storeRedis(10);
  const store = new ApprovalsStore(r.redis, r.config);
  const p = `${r.config.redis.keyPrefix}:playbooks:approvals:`;
  const base = Date.now() - 60_000;
  const body = (id: string, over: Partial<Body> = {}): Body => ({
    id, jurisdiction: 'seoul-jongno', kind: 'playbook-step', summary: 'block 203.0.113.5', change: { action: 'block' }, evidence: null,
    approvers: { roles: ['analyst'], jurisdictions: ['seoul-jongno'] }, quorum: 2, timeoutMs: HOUR, onTimeout: 'deny',
    requestedBy: { type: 'playbook-run', id: 'run-1' }, subject: { run: 'run-1', step: 's1' }, idempotencyKey: null,
    created: new Date(base).toISOString(), deadline: new Date(base + HOUR).toISOString(), ...over,
  });
  const vote = (keyId: string, v: Vote['vote'] = 'approve'): Vote => ({ vote: v, by: { keyId, role: 'analyst', jurisdiction: 'seoul-jongno' }, comment: null, at: new Date().toISOString() });
  afterAll(() => r.close());

  it('creates a pending approval, kept for its timeout plus the retention', async () => {
    expect(await store.create(body('a1'))).toEqual({ id: 'a1', created: true });
    const a = await store.get('a1');
    expect(a).toEqual({ ...body('a1'), status: 'pending', decided: null, approved: null, notified: false, votes: [] } satisfies ApprovalRecord);
    const ttl = await r.redis.ttl(`${p}a:a1`);
    const expected = HOUR / 1000 + r.config.playbooks.retentionDays * 86_400;
    expect(ttl).toBeGreaterThan(expected - 60);
    expect(ttl).toBeLessThanOrEqual(expected);
    expect(await r.redis.ttl(`${p}s:a1`)).toBeGreaterThan(expected - 60);
    expect(await store.get('nope')).toBeNull();
  });

  it('the same idempotency key answers the existing approval while it lives', async () => {
    expect(await store.create(body('a2', { idempotencyKey: 'step-1' }))).toEqual({ id: 'a2', created: true });
    expect(await store.create(body('a3', { idempotencyKey: 'step-1' }))).toEqual({ id: 'a2', created: false });
    expect(await store.get('a3')).toBeNull();
    // Once the approval it named is gone, the key makes a new one.
    await r.redis.del(`${p}s:a2`);
    expect(await store.create(body('a3', { idempotencyKey: 'step-1' }))).toEqual({ id: 'a3', created: true });
  });

  it('counts a vote once per voter and decides at the quorum', async () => {
    expect(await store.vote('a1', vote('k1'))).toBe('ok');
    expect(await store.vote('a1', vote('k1'))).toBe('again');
    expect((await store.get('a1'))?.votes).toHaveLength(1);
    expect(await store.vote('a1', vote('k2'))).toBe('decided');
    expect(await store.vote('a1', vote('k3'))).toBe('closed');
    const a = await store.get('a1');
    expect(a).toMatchObject({ status: 'approved', approved: true });
    expect(a?.votes.map((v) => v.by.keyId)).toEqual(['k1', 'k2']);
    expect(await r.redis.ttl(`${p}vk:a1`)).toBeGreaterThan(0);
    expect(await store.vote('nope', vote('k1'))).toBe('missing');
  });

  it('concurrent approvals from distinct voters decide exactly once', async () => {
    await store.create(body('c1', { quorum: 3 }));
    const answers = await Promise.all(['k1', 'k2', 'k3', 'k4', 'k5'].map((k) => store.vote('c1', vote(k))));
    expect(answers.filter((x) => x === 'decided')).toHaveLength(1);
    expect(answers.filter((x) => x === 'ok')).toHaveLength(2);
    expect(answers.filter((x) => x === 'closed')).toHaveLength(2);
  });

  it('one rejection decides', async () => {
    await store.create(body('r1'));
    expect(await store.vote('r1', vote('k1', 'reject'))).toBe('decided');
    expect(await store.get('r1')).toMatchObject({ status: 'rejected', approved: false });
  });

  it('times out only after its deadline, once, with the configured outcome', async () => {
    await store.create(body('t1', { onTimeout: 'approve' }));
    expect(await store.expire('t1', base + HOUR - 1)).toBe('early');
    expect(await store.expire('t1', base + HOUR)).toBe('timed-out');
    expect(await store.expire('t1', base + HOUR)).toBe('closed');
    expect(await store.vote('t1', vote('k1'))).toBe('closed');
    expect(await store.get('t1')).toMatchObject({ status: 'timed-out', approved: true, decided: new Date(base + HOUR).toISOString() });
    await store.create(body('t2'));
    await store.expire('t2', base + 2 * HOUR);
    expect((await store.get('t2'))?.approved).toBe(false);
    expect(await store.expire('nope')).toBe('missing');
  });

  it('markNotified sticks', async () => {
    await store.markNotified('t1');
    expect((await store.get('t1'))?.notified).toBe(true);
  });

  it('lists newest first; pending from the pending index; status and keep filter', async () => {
    const pending = await store.list({ status: 'pending', limit: 10, keep: () => true });
    expect(pending.map((a) => a.id).sort()).toEqual(['a3']);
    const all = await store.list({ limit: 100, keep: () => true });
    expect(all.map((a) => a.id)).toEqual(['t2', 't1', 'r1', 'c1', 'a3', 'a1']); // a2 lost its state; same created ms: ids descending
    expect((await store.list({ status: 'approved', limit: 10, keep: () => true })).map((a) => a.id).sort()).toEqual(['a1', 'c1']);
    expect(await store.list({ limit: 10, keep: (a) => a.jurisdiction === 'busan-jung' })).toEqual([]);
    expect(await store.list({ limit: 2, keep: () => true })).toHaveLength(2);
  });

  it('prunes index entries of expired approvals without skipping the ones behind them', async () => {
    const pipe = r.redis.pipeline();
    // 250 newer index entries whose records are gone, then a living one older than all of them.
    for (let i = 0; i < 250; i++) pipe.zadd(`${p}all`, base + 10 * HOUR + i, `gone${i}`);
    await pipe.exec();
    const ids = (await store.list({ limit: 100, keep: () => true })).map((a) => a.id);
    expect(ids).toEqual(['t2', 't1', 'r1', 'c1', 'a3', 'a1']);
    expect(await r.redis.zcard(`${p}all`)).toBe(6); // a2 (state gone) pruned too
  });

  it('writes nothing outside its prefix', async () => {
    expect(await r.strays()).toEqual([]);
  });
});
