import { GuardsStore, type BreakerState } from '../../../src/playbooks/runs/guards.store';
import { storeRedis } from './store-redis';

const HOUR = 3_600_000;
const state: BreakerState = { openedAt: '2026-01-01T00:00:00.000Z', reason: 'blast radius', runId: 'r1', approvalId: null };

describe('GuardsStore (real Redis)', () => {
  const r = storeRedis(6);
  const store = new GuardsStore(r.redis, r.config);
  afterAll(() => r.close());

  it('takes side effects up to the cap per sliding hour, then refuses', async () => {
    const now = Date.now();
    expect(await store.take('pb1', 'm1', 3, now)).toEqual({ ok: true, count: 1 });
    expect(await store.take('pb1', 'm2', 3, now + 1)).toEqual({ ok: true, count: 2 });
    expect(await store.take('pb1', 'm3', 3, now + 2)).toEqual({ ok: true, count: 3 });
    expect(await store.take('pb1', 'm4', 3, now + 3)).toEqual({ ok: false, count: 3 });
    expect(await store.count('pb1', now + 3)).toBe(3);
    // Per playbook.
    expect(await store.take('pb2', 'm1', 3, now)).toEqual({ ok: true, count: 1 });
  });

  it('a member that took already is counted once (a retried step), even at the cap', async () => {
    const now = Date.now();
    expect(await store.take('pb1', 'm2', 3, now + 10)).toEqual({ ok: true, count: 3 });
    expect(await store.count('pb1', now + 10)).toBe(3);
  });

  it('release gives the budget back; takes older than an hour fall out of the window', async () => {
    const now = Date.now();
    await store.release('pb1', 'm3');
    expect(await store.take('pb1', 'm4', 3, now + 20)).toEqual({ ok: true, count: 3 });
    expect(await store.count('pb1', now + HOUR + 5)).toBe(1); // only m4 (taken at now + 20)
    expect(await store.take('pb1', 'm5', 3, now + HOUR + 5)).toEqual({ ok: true, count: 2 });
  });

  it('the hour zset expires an hour after its last take', async () => {
    const ttl = await r.redis.pttl(`${r.config.redis.keyPrefix}:playbooks:blast:pb1`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(HOUR);
  });

  it('the breaker opens once; setApproval updates an open breaker only; close resets the hour too', async () => {
    expect(await store.breaker('pb1')).toBeNull();
    await store.setApproval('pb1', 'ap0');
    expect(await store.breaker('pb1')).toBeNull();
    expect(await store.open('pb1', state)).toBe(true);
    expect(await store.open('pb1', { ...state, runId: 'r2' })).toBe(false);
    await store.setApproval('pb1', 'ap1');
    expect(await store.breaker('pb1')).toEqual({ ...state, approvalId: 'ap1' });
    expect(await store.close('pb1')).toBe(true);
    expect(await store.close('pb1')).toBe(false);
    expect(await store.breaker('pb1')).toBeNull();
    expect(await store.count('pb1')).toBe(0);
  });

  it('writes nothing outside its prefix', async () => {
    expect(await r.strays()).toEqual([]);
  });
});
