import Redis from 'ioredis';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { eventually, startTestApp, type TestApp } from '../helpers/app';
import { runGwanje } from '../helpers/processes';

const eve = (i: number, src: string) =>
  JSON.stringify({ timestamp: `2026-01-01T00:00:${String(i % 60).padStart(2, '0')}.000000+0900`, event_type: 'alert', src_ip: src, src_port: 40000 + i, dest_ip: '10.11.0.5', dest_port: 22, proto: 'TCP', alert: { action: 'allowed', signature_id: 2001219, signature: 'ET SCAN Potential SSH Scan', category: 'Attempted Information Leak', severity: 2 } });

// ModSecurity v2 (Apache error log) and Snort alert_syslog bodies: text lines that start with '['.
const modsec = (n: number, ip: string) =>
  `[Fri Oct 02 03:24:0${n}.123456 2026] [:error] [pid 2560:tid 140496349419264] [client ${ip}:37752] ModSecurity: Warning. Pattern match "\\\\.\\\\./" at REQUEST_URI_RAW. [file "/usr/share/modsecurity-crs/rules/REQUEST-930-APPLICATION-ATTACK-LFI.conf"] [line "47"] [id "930100"] [msg "Path Traversal Attack (/../)"] [severity "CRITICAL"] [hostname "localhost"] [uri "/"] [unique_id "YVW7KjiKxXlACWj0fjsbkgAAAE${n}"]`;
const snortBody = (n: number, ip: string) => `[1:2008578:4] ET SCAN Sipvicious Scan [Classification: Attempted Information Leak] [Priority: 2] {UDP} ${ip}:${5100 + n} -> 10.11.0.9:5060`;

const deep = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

describe('hostile ingest bodies', () => {
  jest.setTimeout(180_000);
  let app: TestApp;
  let redis: Redis;
  const storedRejects = (j: string) => redis.xlen(`${app.config.redis.keyPrefix}:ingest:rejects:${j}`);
  const alertsOf = async (j: string) => (await app.call('GET', `/v1/alerts?jurisdiction=${j}&limit=100`)).body.items;

  beforeAll(async () => {
    app = await startTestApp();
    redis = new Redis(app.config.redis.url!);
  });
  afterAll(async () => {
    redis.disconnect();
    await app.close();
  });

  it('answers a multi-MB garbage body with a bounded reject list and the true count, stores a bounded sample and the good lines, and keeps /health served', async () => {
    const garbage = 1_000_000; // 2 MB of "a\n": one reject each
    const cap = app.config.ingest.rejectsPerBatch;
    const body = `${eve(1, '203.0.113.71')}\n${'a\n'.repeat(garbage)}${eve(2, '203.0.113.72')}\n`;
    let settled = false;
    const posting = app
      .call('POST', '/v1/ingest?format=suricata-eve&jurisdiction=gyeonggi-suwon', { raw: gzipSync(body), headers: { 'content-encoding': 'gzip' } })
      .finally(() => (settled = true));
    // The server runs in this process: health answers arriving while the post is pending mean its work yields.
    let healthServed = 0;
    while (!settled) {
      const h = await app.call('GET', '/health', { key: null });
      if (h.status === 200 && !settled) healthServed++;
    }
    const res = await posting;
    expect(res.status).toBe(202);
    expect(res.text.length).toBeLessThan(64 * 1024);
    expect(res.body).toMatchObject({ accepted: 2, skipped: 0, rejectedCount: garbage, duplicate: false });
    expect(res.body.rejected).toHaveLength(cap);
    expect(res.body.rejected[0]).toEqual({ line: 2, error: expect.stringMatching(/^suricata-eve: invalid JSON/) });
    expect(res.body.rejected[cap - 1].line).toBe(cap + 1);
    expect(healthServed).toBeGreaterThan(0);
    expect(await storedRejects('gyeonggi-suwon')).toBe(cap);
    const got = await eventually(async () => ((await alertsOf('gyeonggi-suwon')).length === 2 ? alertsOf('gyeonggi-suwon') : null));
    expect(got.map((a) => a.source.ip).sort()).toEqual(['203.0.113.71', '203.0.113.72']);
  });

  it('answers 400 naming the element for a deeply nested JSON array body, never 500', async () => {
    const body = `[${eve(1, '203.0.113.80')},${deep(100_000)}]`;
    for (const headers of [{ 'content-type': 'application/json' }, { 'content-type': 'text/plain' }]) {
      const res = await app.call('POST', '/v1/ingest?format=suricata-eve&jurisdiction=seoul-mapo', { raw: body, headers });
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.problem.detail).toMatch(/element 2 \(line 1\).*nested deeper than \d+/);
    }
    expect(await alertsOf('seoul-mapo')).toHaveLength(0);
  });

  it('rejects a deeply nested NDJSON line on its own and keeps its neighbours', async () => {
    const big = await startTestApp({ ingest: { maxLineBytes: 1 << 20 } });
    try {
      const line = `{"event_type":"alert","alert":${deep(100_000)}}`;
      for (const format of ['suricata-eve', 'snort-json', 'ecs', 'auto']) {
        const res = await big.call('POST', `/v1/ingest?format=${format}&jurisdiction=seoul-jongno`, { raw: [eve(3, '203.0.113.81'), line, deep(100_000)].join('\n') });
        expect(res.status).toBe(202);
        // Line 1 is EVE: an alert for suricata-eve and auto, a reject of its own for the other formats.
        if (format === 'suricata-eve' || format === 'auto') expect(res.body.accepted).toBe(1);
        const deepOnes = res.body.rejected.filter((r) => r.line > 1);
        expect(deepOnes.map((r) => r.line)).toEqual([2, 3]);
        if (format !== 'auto') for (const r of deepOnes) expect(r.error).toMatch(/nested deeper than \d+ levels/);
      }
    } finally {
      await big.close();
    }
  });

  it('reads text bodies that start with "[" as lines unless the content type or the format says JSON', async () => {
    const text = [modsec(1, '198.51.100.21'), modsec(2, '198.51.100.22')].join('\n');
    const res = await app.call('POST', '/v1/ingest?format=modsecurity&jurisdiction=seoul-gangnam', { raw: text });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ accepted: 2, rejectedCount: 0 });
    const snort = await app.call('POST', '/v1/ingest?format=auto&jurisdiction=seoul-gangnam', { raw: [snortBody(1, '198.51.100.23'), snortBody(2, '198.51.100.24')].join('\n') });
    expect(snort.status).toBe(202);
    expect(snort.body).toMatchObject({ accepted: 2, rejectedCount: 0 });
    await eventually(async () => (await alertsOf('seoul-gangnam')).length === 4);
    // Declared JSON: still one alert per array element (a pretty-printed array too), and a broken array is a 400.
    const pretty = JSON.stringify([JSON.parse(eve(4, '198.51.100.25')), JSON.parse(eve(5, '198.51.100.26'))], null, 2);
    const arr = await app.call('POST', '/v1/ingest?format=auto&jurisdiction=seoul-gangnam', { raw: pretty, headers: { 'content-type': 'application/json; charset=utf-8' } });
    expect(arr.status).toBe(202);
    expect(arr.body).toMatchObject({ accepted: 2, rejectedCount: 0 });
    const broken = await app.call('POST', '/v1/ingest?format=auto&jurisdiction=seoul-gangnam', { raw: text, headers: { 'content-type': 'application/json' } });
    expect(broken.status).toBe(400);
    expect(broken.problem.detail).toMatch(/^body: /);
  });

  it('replays a ModSecurity error log with the CLI', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'gwanje-replay-'));
    const file = path.join(dir, 'modsec_error.log');
    writeFileSync(file, [modsec(3, '198.51.100.31'), modsec(4, '198.51.100.32'), modsec(5, '198.51.100.33')].join('\n') + '\n');
    const out = await runGwanje(['replay', file, '--format', 'modsecurity', '--jurisdiction', 'gyeonggi-seongnam', '--url', app.base, '--key', app.config.adminKey!]);
    expect(out.stderr).not.toMatch(/HTTP 400/);
    expect(out.stdout).toMatch(/accepted 3, skipped 0 \(not alerts\), rejected 0/);
    expect(out.status).toBe(0);
    await eventually(async () => (await alertsOf('gyeonggi-seongnam')).length === 3);
  });

  it('refuses an impossible timezone offset instead of reading it as another', async () => {
    const line = `<38>Oct  2 03:24:00 ids-3 snort[811]: ${snortBody(1, '198.51.100.41')}`;
    for (const tz of ['+99:99', '+15:00', '-09:60']) {
      const res = await app.call('POST', `/v1/ingest?format=auto&jurisdiction=seoul&timezone=${encodeURIComponent(tz)}`, { raw: line });
      expect(res.status).toBe(400);
      expect(res.problem.detail).toContain('query.timezone');
    }
    expect((await app.call('POST', `/v1/ingest?format=auto&jurisdiction=seoul&timezone=${encodeURIComponent('+14:00')}`, { raw: line })).status).toBe(202);
  });

  it('counts identical lines within one body as separate alerts, and a re-posted body stores nothing new', async () => {
    const line = `<38>Oct  2 03:24:00 ids-3 snort[811]: ${snortBody(7, '198.51.100.50')}`;
    const body = [line, line, line].join('\n');
    const first = await app.call('POST', '/v1/ingest?format=auto&jurisdiction=gyeonggi', { raw: body });
    expect(first.body.accepted).toBe(3);
    await app.call('POST', '/v1/ingest?format=auto&jurisdiction=gyeonggi', { raw: body });
    await eventually(async () => {
      const q = (await app.call('GET', '/health')).body.queues.ingest;
      return q.waiting === 0 && q.active === 0;
    });
    const stored = await eventually(async () => ((await alertsOf('gyeonggi')).length >= 3 ? alertsOf('gyeonggi') : null));
    expect(stored).toHaveLength(3);
    expect(new Set(stored.map((a) => a.id)).size).toBe(3);
  });
});
