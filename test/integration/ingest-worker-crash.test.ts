import Redis from 'ioredis';
import { eventually, startTestApp, type TestApp } from '../helpers/app';
import { exited, spawnGwanje } from '../helpers/processes';

const TOTAL = 10_000;
const line = (i: number) =>
  JSON.stringify({
    timestamp: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString().replace('Z', '+0000'),
    event_type: 'alert',
    src_ip: `198.51.${(i >> 8) & 255}.${i & 255}`,
    src_port: 1024 + (i % 60000),
    dest_ip: '10.11.0.5',
    dest_port: 443,
    proto: 'TCP',
    alert: { action: 'allowed', signature_id: 2000000 + (i % 50), signature: `test ${i % 50}`, category: 'Misc Attack', severity: 2 },
  });

describe('a worker killed mid-batch', () => {
  jest.setTimeout(120_000);
  let api: TestApp;
  let redis: Redis;
  const stored = () => redis.xlen(`${api.config.redis.keyPrefix}:alerts:j:seoul-jongno`);
  const depth = () => api.call('GET', '/health').then((r) => r.body.queues.ingest);

  beforeAll(async () => {
    api = await startTestApp({ role: 'api', ingest: { chunkSize: 50, lockDurationMs: 2000 } });
    redis = new Redis(api.config.redis.url!);
  });
  afterAll(async () => {
    redis.disconnect();
    await api.close();
  });

  it('loses nothing and stores nothing twice, with two workers after the restart; a re-posted batch stores nothing new', async () => {
    const body = Array.from({ length: TOTAL }, (_, i) => line(i));
    for (let i = 0; i < TOTAL; i += 2000) {
      const res = await api.call('POST', '/v1/ingest?format=suricata-eve&jurisdiction=seoul-jongno', { raw: body.slice(i, i + 2000).join('\n') });
      expect(res.status).toBe(202);
      expect(res.body.accepted).toBe(2000);
    }
    expect(await stored()).toBe(0); // no worker yet: everything is waiting in the queue

    const workerConfig = { ...api.config, role: 'worker' as const, ingest: { ...api.config.ingest, workerConcurrency: 2 } };
    const first = spawnGwanje('worker', workerConfig);
    await eventually(async () => (await stored()) > 0, 30_000, 2);
    first.kill('SIGKILL');
    await exited(first);
    const atKill = await stored();
    expect(atKill).toBeLessThan(TOTAL);

    // Two workers now share the queue: BullMQ splits the chunks, the store keeps each alert once.
    const second = [spawnGwanje('worker', workerConfig), spawnGwanje('worker', workerConfig)];
    try {
      await eventually(async () => (await stored()) === TOTAL, 60_000, 100);
      await eventually(async () => {
        const d = await depth();
        return d.waiting === 0 && d.active === 0 && d.delayed === 0;
      }, 30_000);
      expect(await stored()).toBe(TOTAL);
      expect((await depth()).failed).toBe(0);

      // The same batch again: fingerprints make every alert a duplicate.
      for (let i = 0; i < TOTAL; i += 2000) await api.call('POST', '/v1/ingest?format=suricata-eve&jurisdiction=seoul-jongno', { raw: body.slice(i, i + 2000).join('\n') });
      await eventually(async () => {
        const d = await depth();
        return d.waiting === 0 && d.active === 0 && d.delayed === 0;
      }, 30_000);
      expect(await stored()).toBe(TOTAL);
    } finally {
      second.forEach((w) => w.kill('SIGTERM'));
      expect(await Promise.all(second.map(exited))).toEqual([0, 0]);
    }
  });
});

describe('a worker killed between storing a chunk and scoring it', () => {
  jest.setTimeout(120_000);
  const N = 1000;
  const IPS = 20;
  let api: TestApp;
  let redis: Redis;
  const jurisdiction = 'seoul-mapo';
  const eveLine = (i: number) => {
    const o = JSON.parse(line(i));
    o.src_ip = `203.0.113.${(i % IPS) + 1}`;
    return JSON.stringify(o);
  };
  const p = () => api.config.redis.keyPrefix;
  const stored = () => redis.xlen(`${p()}:alerts:j:${jurisdiction}`);
  /** What detection merged: Σ n over the IPs' federation-scope states. */
  const detected = async () => {
    const ns = await Promise.all(Array.from({ length: IPS }, (_, k) => redis.hget(`${p()}:det:f:*:203.0.113.${k + 1}`, 'n')));
    return ns.reduce((s, n) => s + Number(n ?? 0), 0);
  };
  const totals = async () => {
    const [s, c] = await redis.hmget(`${p()}:ingest:totals`, 'stored', 'scored');
    return { stored: Number(s ?? 0), scored: Number(c ?? 0) };
  };
  const drained = async () => {
    const d = (await api.call('GET', '/health')).body.queues.ingest;
    return d.waiting === 0 && d.active === 0 && d.delayed === 0;
  };

  beforeAll(async () => {
    api = await startTestApp({ role: 'api', playbooks: { enabled: false }, ingest: { chunkSize: 50, lockDurationMs: 2000 } });
    redis = new Redis(api.config.redis.url!);
  });
  afterAll(async () => {
    redis.disconnect();
    await api.close();
  });

  it('scores the chunk stored just before the SIGKILL exactly once, on the retry (stored == scored)', async () => {
    const res = await api.call('POST', `/v1/ingest?format=suricata-eve&jurisdiction=${jurisdiction}`, { raw: Array.from({ length: N }, (_, i) => eveLine(i)).join('\n') });
    expect(res.status).toBe(202);
    expect(res.body.accepted).toBe(N);

    // ingest.testCrashAfterStore: the worker SIGKILLs itself right after its first store call.
    const base = { ...api.config, role: 'worker' as const };
    const doomed = spawnGwanje('worker', { ...base, ingest: { ...base.ingest, workerConcurrency: 1, testCrashAfterStore: true } });
    expect(await exited(doomed)).toBeNull();
    expect(doomed.signalCode).toBe('SIGKILL');
    expect(await stored()).toBe(50); // one chunk stored…
    expect(await detected()).toBe(0); // …and none of it scored

    const worker = spawnGwanje('worker', { ...base, ingest: { ...base.ingest, workerConcurrency: 2 } });
    try {
      await eventually(async () => (await stored()) === N && (await drained()), 60_000, 100);
      expect(await detected()).toBe(N);
      expect(await totals()).toEqual({ stored: N, scored: N });
      expect((await api.call('GET', '/health')).body.queues.ingest.failed).toBe(0);
    } finally {
      worker.kill('SIGTERM');
      expect(await exited(worker)).toBe(0);
    }
  });
});
