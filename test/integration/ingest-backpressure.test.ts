import { mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startGwanje, type RunningGwanje } from '../../src/server';
import { SyslogService } from '../../src/ingest/syslog/syslog.service';
import { atFileEnd } from '../helpers/cleanup';
import { eventually, startTestApp, type TestApp } from '../helpers/app';
import { runGwanje } from '../helpers/processes';

/** One EVE alert line per n: the source port makes each a distinct alert (its own id). */
const eve = (n: number) =>
  JSON.stringify({ timestamp: `2026-01-01T00:${String(Math.floor(n / 60) % 60).padStart(2, '0')}:${String(n % 60).padStart(2, '0')}.000000+0900`, event_type: 'alert', src_ip: `203.0.113.${1 + (n % 50)}`, src_port: 10000 + n, dest_ip: '10.11.0.5', dest_port: 22, proto: 'TCP', alert: { action: 'allowed', signature_id: 2001219, signature: 'ET SCAN Potential SSH Scan', category: 'Attempted Information Leak', severity: 2 } });
const body = (from: number, count: number) => Array.from({ length: count }, (_, i) => eve(from + i)).join('\n');

interface IngestHealth {
  backlog: number;
  received: number;
  stored: number;
  scored: number;
  shed: number;
  refusing: string | null;
}

/** The same deployment's worker: another Gwanje on the api's config (and key prefix), role worker. */
async function startWorker(app: TestApp): Promise<RunningGwanje> {
  const starting = startGwanje({ ...app.config, role: 'worker' });
  atFileEnd(async () => (await starting.catch(() => null))?.close());
  return starting;
}

const health = async (app: TestApp) => (await app.call('GET', '/health')).body as unknown as { ingest: IngestHealth };

/** Every alert held for the jurisdiction, by source port (each port was sent once). */
async function storedPorts(app: TestApp, jurisdiction: string): Promise<number[]> {
  const ports: number[] = [];
  let cursor = '';
  for (;;) {
    const r = await app.call('GET', `/v1/alerts?jurisdiction=${jurisdiction}&limit=200${cursor ? `&cursor=${cursor}` : ''}`);
    ports.push(...r.body.items.map((a) => a.source.port as number));
    if (!r.body.next) return ports.sort((a, b) => a - b);
    cursor = r.body.next;
  }
}

const metric = async (app: TestApp, line: RegExp) => Number(line.exec((await app.call('GET', '/metrics')).text)?.[1] ?? 0);

describe('ingest back-pressure', () => {
  it('answers 429 with Retry-After past the backlog bound, and once the worker drains, every 202 is stored and scored exactly once', async () => {
    // API only: nothing drains the queue until the worker starts.
    const app = await startTestApp({ role: 'api', ingest: { chunkSize: 10, backpressure: { maxBacklogAlerts: 50, maxRedisMemoryBytes: 0, maxRedisMemoryRatio: 0.9, retryAfterSeconds: 1 } } });
    const accepted: number[] = [];
    let refused: Awaited<ReturnType<TestApp['call']>> | null = null;
    for (let batch = 0; batch < 50 && !refused; batch++) {
      const res = await app.call('POST', '/v1/ingest?format=suricata-eve&jurisdiction=seoul-jongno', { raw: body(batch * 10, 10) });
      if (res.status === 202) {
        expect(res.body.accepted).toBe(10);
        for (let i = 0; i < 10; i++) accepted.push(10000 + batch * 10 + i);
      } else refused = res;
    }
    expect(refused?.status).toBe(429);
    expect(refused!.headers.get('retry-after')).toBe('1');
    expect(refused!.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(refused!.problem).toMatchObject({ status: 429, code: 'ingest_backlog' });
    // Refused at the bound: this process counts its own enqueues, so it cannot overshoot.
    expect(accepted.length).toBe(50);
    expect((await health(app)).ingest).toMatchObject({ backlog: 50, received: 50, stored: 0, scored: 0, refusing: 'ingest_backlog' });
    expect(await metric(app, /^gwanje_ingest_refused_total\{code="ingest_backlog"\} (\d+)/m)).toBeGreaterThanOrEqual(1);

    await startWorker(app);
    const drained = await eventually(async () => {
      const h = (await health(app)).ingest;
      return h.backlog === 0 && h.stored === 50 && h.scored === 50 ? h : null;
    });
    expect(drained).toMatchObject({ received: 50, stored: 50, scored: 50 });
    expect(await storedPorts(app, 'seoul-jongno')).toEqual(accepted);
    // Accepted again once the reading shows the drained backlog.
    const again = await eventually(async () => {
      const res = await app.call('POST', '/v1/ingest?format=suricata-eve&jurisdiction=seoul-jongno', { raw: body(500, 5) });
      return res.status === 202 ? res : null;
    });
    expect(again.body.accepted).toBe(5);
    await eventually(async () => (await health(app)).ingest.stored === 55);
    await app.close();
  }, 120_000);

  it('answers 503 with Retry-After past the Redis memory bound', async () => {
    const app = await startTestApp({ role: 'api', ingest: { backpressure: { maxBacklogAlerts: 0, maxRedisMemoryBytes: 1, maxRedisMemoryRatio: 0.9, retryAfterSeconds: 7 } } });
    const res = await app.call('POST', '/v1/ingest?format=suricata-eve&jurisdiction=seoul-jongno', { raw: body(0, 3) });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('7');
    expect(res.problem).toMatchObject({ status: 503, code: 'redis_memory_high' });
    expect((await health(app)).ingest).toMatchObject({ received: 0, backlog: 0, refusing: 'redis_memory_high' });
    await app.close();
  }, 60_000);

  it('syslog keeps reading past the bound but sheds what it would have queued, and counts it', async () => {
    const app = await startTestApp({
      role: 'api',
      ingest: { backpressure: { maxBacklogAlerts: 5, maxRedisMemoryBytes: 0, maxRedisMemoryRatio: 0.9, retryAfterSeconds: 1 } },
      syslog: [{ name: 'tcp', protocol: 'tcp', host: '127.0.0.1', port: 0, senders: [{ cidr: '127.0.0.0/8', jurisdiction: 'seoul-gangnam', format: 'suricata-eve' }] }],
    });
    const port = app.app.get(SyslogService).bound.find((b) => b.name === 'tcp')!.port;
    const send = async (text: string) => {
      const conn = net.connect(port, '127.0.0.1');
      await new Promise((r) => conn.once('connect', r));
      await new Promise<void>((r) => conn.end(text, () => r()));
    };
    await send(body(0, 5) + '\n');
    await eventually(async () => (await health(app)).ingest.received === 5);
    await send(body(5, 4) + '\n');
    const h = await eventually(async () => {
      const i = (await health(app)).ingest;
      return i.shed === 4 ? i : null;
    });
    expect(h).toMatchObject({ received: 5, backlog: 5, shed: 4 });
    expect(await metric(app, /^gwanje_syslog_dropped_total\{listener="tcp",reason="backpressure"\} (\d+)/m)).toBe(4);
    await app.close();
  }, 60_000);

  it('gwanje replay waits out 429 + Retry-After and resumes: every line stored once', async () => {
    const app = await startTestApp({ role: 'api', ingest: { chunkSize: 10, backpressure: { maxBacklogAlerts: 40, maxRedisMemoryBytes: 0, maxRedisMemoryRatio: 0.9, retryAfterSeconds: 1 } } });
    const dir = mkdtempSync(path.join(tmpdir(), 'gw-replay-'));
    const file = path.join(dir, 'burst.ndjson');
    writeFileSync(file, body(0, 200) + '\n');
    const replay = runGwanje(['replay', file, '--format', 'suricata-eve', '--jurisdiction', 'seoul-mapo', '--url', app.base, '--key', app.config.adminKey!, '--batch-lines', '20']);
    // Only once the API has refused the replay does a worker start draining.
    await eventually(async () => (await metric(app, /^gwanje_ingest_refused_total\{code="ingest_backlog"\} (\d+)/m)) >= 1, 60_000);
    await startWorker(app);
    const done = await replay;
    expect(done.stderr).not.toMatch(/gwanje replay:/);
    expect(done.status).toBe(0);
    expect(done.stdout).toMatch(/200 lines in \d+ requests/);
    expect(done.stdout).toMatch(/accepted 200, skipped 0 \(not alerts\), rejected 0/);
    expect(done.stdout).toMatch(/waited \d+ s on a busy server \(\d+ retries\)/);
    await eventually(async () => {
      const i = (await health(app)).ingest;
      return i.backlog === 0 && i.stored === 200 && i.scored === 200;
    });
    expect(await storedPorts(app, 'seoul-mapo')).toEqual(Array.from({ length: 200 }, (_, i) => 10000 + i));
    await app.close();
  }, 180_000);
});
