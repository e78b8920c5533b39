import { FederationStore } from '../../../src/sharing/federation/federation.store';
import { storeRedis } from './store-redis';

describe('FederationStore (real Redis)', () => {
  const r = storeRedis(11);
  const store = new FederationStore(r.redis, r.config);
  afterAll(() => r.close());

  it('enqueues per peer under one epoch with gap-free sequence numbers, also concurrently', async () => {
    const first = await store.enqueue('peer-a', 'm1');
    expect(first.seq).toBe(1);
    const more = await Promise.all(Array.from({ length: 20 }, (_, i) => store.enqueue('peer-a', `m${i + 2}`)));
    expect(more.map((m) => m.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 2));
    expect(new Set(more.map((m) => m.epoch))).toEqual(new Set([first.epoch]));
    expect(await store.message('peer-a', 1)).toBe('m1');
    expect(await store.position('peer-a')).toEqual({ epoch: first.epoch, head: 21, acked: 0 });
    const other = await store.enqueue('peer-b', 'x');
    expect(other.seq).toBe(1);
    expect(other.epoch).not.toBe(first.epoch);
  });

  it('an ack drops the message and only ever moves the acked mark forward', async () => {
    await store.ack('peer-a', 3);
    expect(await store.message('peer-a', 3)).toBeNull();
    expect((await store.position('peer-a')).acked).toBe(3);
    await store.ack('peer-a', 2); // late ack of an earlier one
    expect(await store.message('peer-a', 2)).toBeNull();
    expect((await store.position('peer-a')).acked).toBe(3);
    expect(await store.message('peer-a', 4)).toBe('m4');
  });

  it('a position of an unknown peer is empty', async () => {
    expect(await store.position('nobody')).toEqual({ epoch: null, head: 0, acked: 0 });
  });

  it('the peer lock is exclusive, refreshed and released only by its holder', async () => {
    const lock = `${r.config.redis.keyPrefix}:sharing:fed:lock:peer-a`;
    expect(await store.lock('peer-a', 't1', 10_000)).toBe(true);
    expect(await store.lock('peer-a', 't2', 10_000)).toBe(false);
    expect(await store.refresh('peer-a', 't2', 60_000)).toBe(false);
    expect(await r.redis.pttl(lock)).toBeLessThanOrEqual(10_000);
    expect(await store.refresh('peer-a', 't1', 60_000)).toBe(true);
    expect(await r.redis.pttl(lock)).toBeGreaterThan(10_000);
    await store.unlock('peer-a', 't2');
    expect(await r.redis.get(lock)).toBe('t1');
    await store.unlock('peer-a', 't1');
    expect(await r.redis.exists(lock)).toBe(0);
    expect(await store.refresh('peer-a', 't1', 60_000)).toBe(false);
  });

  it('down marks count consecutive failures with the backoff as TTL; up clears them', async () => {
    expect(await store.downFor('peer-a')).toBe(0);
    expect(await store.markDown('peer-a', (n) => n * 60_000)).toEqual({ failures: 1, ms: 60_000 });
    expect(await store.markDown('peer-a', (n) => n * 60_000)).toEqual({ failures: 2, ms: 120_000 });
    const down = await store.downFor('peer-a');
    expect(down).toBeGreaterThan(60_000);
    expect(down).toBeLessThanOrEqual(120_000);
    await store.markUp('peer-a');
    expect(await store.downFor('peer-a')).toBe(0);
    expect((await store.markDown('peer-a', () => 0)).failures).toBe(1); // counting starts over; a zero backoff still sets a mark
    await store.markUp('peer-a');
  });

  it('a nonce is claimed once within its window', async () => {
    expect(await store.claimNonce('peer-a', 'n1', 60_000)).toBe(true);
    expect(await store.claimNonce('peer-a', 'n1', 60_000)).toBe(false);
    expect(await store.claimNonce('peer-b', 'n1', 60_000)).toBe(true);
    const ttl = await r.redis.pttl(`${r.config.redis.keyPrefix}:sharing:fed:nonce:peer-a:n1`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it('the receiver high-water mark per peer and epoch only rises, and expires after 400 days', async () => {
    expect(await store.highWater('peer-a', 'e1')).toBe(0);
    await store.setHighWater('peer-a', 'e1', 5);
    await store.setHighWater('peer-a', 'e1', 3);
    expect(await store.highWater('peer-a', 'e1')).toBe(5);
    expect(await store.highWater('peer-a', 'e2')).toBe(0);
    const ttl = await r.redis.pttl(`${r.config.redis.keyPrefix}:sharing:fed:hwm:peer-a:e1`);
    expect(ttl).toBeGreaterThan(399 * 86_400_000);
    expect(ttl).toBeLessThanOrEqual(400 * 86_400_000);
  });

  it('writes nothing outside its prefix', async () => {
    expect(await r.strays()).toEqual([]);
  });
});
