import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ADMIN_KEY, eventually, startTestApp, testConfig } from '../helpers/app';
import { exited, spawnGwanje } from '../helpers/processes';
import { freePort, startRedisServer } from '../helpers/redis-server';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const eve = (n: number) =>
  JSON.stringify({
    timestamp: new Date().toISOString(),
    event_type: 'alert',
    src_ip: '203.0.113.77',
    src_port: 40000 + n,
    dest_ip: '10.11.0.20',
    dest_port: 22,
    proto: 'TCP',
    alert: { action: 'allowed', gid: 1, signature_id: 2001219, rev: 20, signature: 'ET SCAN Potential SSH Scan', category: 'Attempted Information Leak', severity: 2 },
  });

describe('Redis goes down and comes back', () => {
  it('answers 503 with Retry-After, serves feeds from memory saying how stale, logs the outage and the recovery once each', async () => {
    // A Redis of its own (persisted, so a restart on the same dir has the data), and Gwanje as a process whose logs we read.
    const dir = mkdtempSync(path.join(tmpdir(), 'gwanje-redis-'));
    let redis = await startRedisServer({ dir });
    const port = await freePort();
    const base = testConfig({ redis: { url: redis.url }, server: { port } });
    const child = spawnGwanje('all', { ...base, log: { ...base.log, level: 'info' } });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    const call = async (method: string, url: string, opts: { key?: string; raw?: string; json?: unknown; headers?: Record<string, string> } = {}) => {
      const headers: Record<string, string> = { 'x-api-key': opts.key ?? ADMIN_KEY, ...opts.headers };
      if (opts.raw !== undefined) headers['content-type'] ??= 'application/x-ndjson';
      if (opts.json !== undefined) headers['content-type'] = 'application/json';
      const res = await fetch(`http://127.0.0.1:${port}${url}`, { method, headers, body: opts.raw ?? (opts.json === undefined ? undefined : JSON.stringify(opts.json)) });
      return { status: res.status, headers: res.headers, text: await res.text() };
    };
    const logs = () =>
      stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { msg?: string; level?: number | string; context?: string });
    const outages = () => logs().filter((l) => /^Redis is unreachable/.test(l.msg ?? ''));
    const recoveries = () => logs().filter((l) => /^Redis is reachable again/.test(l.msg ?? ''));
    const ingest = () => call('POST', '/v1/ingest?format=suricata-eve&jurisdiction=seoul-jongno', { raw: eve(1) + '\n' });
    const edl = (headers: Record<string, string> = {}) => call('GET', '/v1/feeds/seoul-jongno/edl.txt', { key: feedKey, headers });
    let feedKey = '';

    try {
      await eventually(async () => {
        if (child.exitCode !== null) throw new Error(`gwanje exited: ${stderr}`);
        return (await call('GET', '/health')).status === 200;
      });
      feedKey = JSON.parse((await call('POST', '/v1/keys', { json: { role: 'feed', jurisdiction: 'seoul-jongno', name: 'firewall' } })).text).key;
      expect((await call('POST', '/v1/decisions', { json: { value: '185.220.101.77', jurisdiction: 'seoul-jongno', reason: 'ssh brute force', duration: '24h' } })).status).toBe(201);
      const warm = await edl();
      expect(warm.status).toBe(200);
      expect(warm.text).toContain('185.220.101.77');
      expect(warm.headers.get('x-gwanje-stale')).toBeNull();

      redis.child.kill('SIGKILL');
      await exited(redis.child);

      const refused = await ingest();
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('5');
      expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(JSON.parse(refused.text)).toMatchObject({ status: 503, title: 'Service Unavailable', detail: expect.stringMatching(/Redis/) });
      expect((await call('GET', '/health')).status).toBe(503);
      await eventually(async () => outages().length > 0);

      // Let every client fail to reconnect a few times (ioredis retries within 2 s) and the 2 s key
      // cache expire, so the feed key below is answered from what was verified before the outage.
      await sleep(3000);
      for (let i = 0; i < 5; i++) expect((await ingest()).status).toBe(503);
      const stale = await edl();
      expect(stale.status).toBe(200);
      expect(stale.text).toBe(warm.text);
      expect(Number(stale.headers.get('x-gwanje-stale'))).toBeGreaterThanOrEqual(3);
      expect(stale.headers.get('age')).toBe(stale.headers.get('x-gwanje-stale'));
      expect((await edl({ 'if-none-match': warm.headers.get('etag')! })).status).toBe(304);
      expect(outages()).toHaveLength(1);
      expect(outages()[0].context).toBe('redis');
      expect(stdout + stderr).not.toContain('[ioredis]');

      redis = await startRedisServer({ port: redis.port, dir });
      await eventually(async () => (await ingest()).status === 202);
      await eventually(async () => recoveries().length > 0);
      const fresh = await edl();
      expect(fresh.status).toBe(200);
      expect(fresh.text).toBe(warm.text);
      expect(fresh.headers.get('x-gwanje-stale')).toBeNull();
      expect(fresh.headers.get('age')).toBeNull();
      expect((await call('GET', '/health')).status).toBe(200);
      // Workers resumed too: the alert ingested after the restart is stored.
      await eventually(async () => JSON.parse((await call('GET', '/v1/alerts?jurisdiction=seoul-jongno&limit=10')).text).items?.length > 0);

      expect(outages()).toHaveLength(1);
      expect(recoveries()).toHaveLength(1);
      expect(stdout + stderr).not.toContain('[ioredis]');
      child.kill('SIGTERM');
      expect(await exited(child)).toBe(0);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});

describe('graceful shutdown', () => {
  it('answers a request arriving while the server closes with a problem+json 503 and Retry-After', async () => {
    const app = await startTestApp();
    const server = app.app.getHttpServer();
    const socket = net.connect(Number(new URL(app.base).port), '127.0.0.1');
    await once(socket, 'connect');
    let received = '';
    socket.on('data', (d: Buffer) => (received += d.toString()));
    const ended = once(socket, 'close');
    // The first request is routed before the shutdown, its body held back: the server has work in
    // flight while it closes, and the connection stays open for a second (pipelined) request.
    const routed = once(server, 'request');
    socket.write(`POST /v1/ingest?format=auto&jurisdiction=seoul HTTP/1.1\r\nHost: t\r\nX-Api-Key: ${ADMIN_KEY}\r\nContent-Type: text/plain\r\nContent-Length: 1\r\n\r\n`);
    await routed;
    const closing = app.close();
    await eventually(async () => !server.listening);
    socket.write('xGET /health HTTP/1.1\r\nHost: t\r\n\r\n');
    await ended;
    await closing;
    const [first, second] = received.split(/(?=HTTP\/1\.1 )/);
    expect(first).toMatch(/^HTTP\/1\.1 202/);
    expect(second).toMatch(/^HTTP\/1\.1 503/);
    expect(second).toMatch(/\r\nretry-after: 5\r\n/i);
    expect(second).toMatch(/\r\ncontent-type: application\/problem\+json/i);
    expect(JSON.parse(second.slice(second.indexOf('\r\n\r\n') + 4))).toMatchObject({ status: 503, title: 'Service Unavailable', instance: '/health' });
  });
});
