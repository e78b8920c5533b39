import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { eventually, startTestApp, type TestApp } from '../helpers/app';

const eve = (i: number, src = '203.0.113.10') =>
  JSON.stringify({ timestamp: `2026-01-01T00:00:${String(i % 60).padStart(2, '0')}.000000+0900`, event_type: 'alert', src_ip: src, src_port: 40000 + i, dest_ip: '10.11.0.5', dest_port: 22, proto: 'TCP', alert: { action: 'allowed', signature_id: 2001219, signature: 'ET SCAN Potential SSH Scan', category: 'Attempted Information Leak', severity: 2 } });

describe('ingest API', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.close());

  it('accepts NDJSON, reports bad lines with their number, and stores the good ones', async () => {
    const body = [eve(1), '{"event_type":"alert", truncated', eve(2), '{"event_type":"flow","src_ip":"1.2.3.4"}'].join('\n');
    const res = await app.call('POST', '/v1/ingest?format=suricata-eve&jurisdiction=seoul-jongno', { raw: body });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ accepted: 2, skipped: 1, duplicate: false });
    expect(res.body.rejected).toEqual([{ line: 2, error: expect.stringContaining('invalid JSON') }]);
    const alerts = await eventually(async () => {
      const r = await app.call('GET', '/v1/alerts?jurisdiction=seoul-jongno');
      return r.body.items?.length === 2 ? r.body.items : null;
    });
    expect(alerts[0]).toMatchObject({ jurisdiction: 'seoul-jongno', source: { ip: '203.0.113.10' }, severity: { id: 3, raw: '2' }, timestamp: '2025-12-31T15:00:02.000Z' });
    const rejects = await app.call('GET', '/v1/ingest/rejects?jurisdiction=seoul-jongno');
    expect(rejects.body.items[0]).toMatchObject({ line: 2, format: 'suricata-eve', raw: '{"event_type":"alert", truncated' });
  });

  it('accepts a gzip JSON array and an Idempotency-Key makes the retry a no-op', async () => {
    const raw = gzipSync(Buffer.from(JSON.stringify([JSON.parse(eve(10, '198.51.100.7')), JSON.parse(eve(11, '198.51.100.7'))])));
    const headers = { 'content-encoding': 'gzip', 'content-type': 'application/json', 'idempotency-key': 'batch-42' };
    const first = await app.call('POST', '/v1/ingest?format=auto&jurisdiction=seoul-mapo', { raw, headers });
    expect(first.status).toBe(202);
    expect(first.body.accepted).toBe(2);
    const again = await app.call('POST', '/v1/ingest?format=auto&jurisdiction=seoul-mapo', { raw, headers });
    expect(again.status).toBe(202);
    expect(again.body).toMatchObject({ batchId: first.body.batchId, duplicate: true });
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    await eventually(async () => (await app.call('GET', '/v1/alerts?jurisdiction=seoul-mapo')).body.items?.length === 2);
  });

  it('stores a re-posted batch once (fingerprints), even without an Idempotency-Key', async () => {
    const body = [eve(20, '192.0.2.200'), eve(21, '192.0.2.200')].join('\n');
    await app.call('POST', '/v1/ingest?format=suricata-eve&jurisdiction=gyeonggi-suwon', { raw: body });
    await app.call('POST', '/v1/ingest?format=suricata-eve&jurisdiction=gyeonggi-suwon', { raw: body });
    await eventually(async () => (await app.call('GET', '/health')).body.queues.ingest.waiting === 0 && (await app.call('GET', '/health')).body.queues.ingest.active === 0);
    const r = await app.call('GET', '/v1/alerts?jurisdiction=gyeonggi-suwon&src_ip=192.0.2.200');
    expect(r.body.items).toHaveLength(2);
  });

  it('answers problem+json for bad input, missing keys, wrong roles and foreign jurisdictions', async () => {
    const bad = await app.call('POST', '/v1/ingest?format=nope&jurisdiction=seoul', { raw: 'x' });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
    expect(bad.problem.detail).toContain('query.format');
    expect((await app.call('GET', '/v1/alerts', { key: null })).status).toBe(401);
    expect((await app.call('GET', '/v1/alerts', { key: 'gwk_000000000000_' + 'a'.repeat(43) })).status).toBe(401);

    const sensor = await app.call('POST', '/v1/keys', { body: { role: 'sensor', jurisdiction: 'seoul-jongno' } });
    expect(sensor.status).toBe(201);
    const analyst = await app.call('POST', '/v1/keys', { body: { role: 'analyst', jurisdiction: 'seoul-gangnam' } });
    expect((await app.call('GET', '/v1/alerts', { key: sensor.body.key })).status).toBe(403);
    const foreign = await app.call('POST', '/v1/ingest?jurisdiction=seoul-mapo', { key: sensor.body.key, raw: eve(1) });
    expect(foreign.status).toBe(403);
    expect(foreign.problem.detail).toContain('seoul-mapo');
    // A district analyst sees only its own alerts.
    const own = await app.call('GET', '/v1/alerts', { key: analyst.body.key });
    expect(own.status).toBe(200);
    expect(own.body.items.every((a) => a.jurisdiction === 'seoul-gangnam')).toBe(true);
    expect((await app.call('GET', '/v1/alerts?jurisdiction=seoul-jongno', { key: analyst.body.key })).status).toBe(403);
    // The sensor key ingests into its own jurisdiction without naming it.
    const ok = await app.call('POST', '/v1/ingest?format=suricata-eve', { key: sensor.body.key, raw: eve(30, '203.0.113.99') });
    expect(ok.status).toBe(202);
    // Revoked keys stop working.
    expect((await app.call('DELETE', `/v1/keys/${sensor.body.record.id}`)).status).toBe(200);
    await eventually(async () => (await app.call('POST', '/v1/ingest?format=suricata-eve', { key: sensor.body.key, raw: eve(31) })).status === 401);
  });

  it('refuses bodies over the limit with 413', async () => {
    const small = await startTestApp({ server: { bodyLimitBytes: 1024 } });
    try {
      const res = await small.call('POST', '/v1/ingest?jurisdiction=seoul', { raw: eve(1).repeat(40) });
      expect(res.status).toBe(413);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    } finally {
      await small.close();
    }
  });

  it('paginates alerts newest first with a cursor', async () => {
    const lines = Array.from({ length: 25 }, (_, i) => eve(i, '203.0.113.50').replace('"dest_port":22', `"dest_port":${1000 + i}`));
    await app.call('POST', '/v1/ingest?format=suricata-eve&jurisdiction=gyeonggi-seongnam', { raw: lines.join('\n') });
    await eventually(async () => (await app.call('GET', '/v1/alerts?jurisdiction=gyeonggi-seongnam&limit=100')).body.items.length === 25);
    const seen = new Set<string>();
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: string = cursor ? `&cursor=${cursor}` : '';
      const res = await app.call('GET', `/v1/alerts?jurisdiction=gyeonggi-seongnam&limit=10${page}`);
      res.body.items.forEach((a) => seen.add(a.id));
      cursor = res.body.next;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen.size).toBe(25);
  });
});

describe('the README example', () => {
  it('ingests test/fixtures/suricata-sample.ndjson as the README says', async () => {
    const app = await startTestApp();
    try {
      const raw = readFileSync(path.resolve(__dirname, '../fixtures/suricata-sample.ndjson'));
      const res = await app.call('POST', '/v1/ingest?format=suricata-eve&jurisdiction=seoul-jongno', { raw, headers: { 'content-type': 'application/x-ndjson' } });
      expect(res.status).toBe(202);
      expect(res.body).toMatchObject({ accepted: 3, skipped: 1, duplicate: false });
      expect(res.body.rejected).toEqual([{ line: 5, error: expect.stringMatching(/^suricata-eve: invalid JSON/) }]);
      const alerts = await eventually(async () => {
        const r = await app.call('GET', '/v1/alerts?jurisdiction=seoul-jongno&limit=10');
        return r.body.items.length === 3 ? r.body.items : null;
      });
      expect(alerts.map((a) => a.source.ip)).toContain('2001:db8::ff00:42:8329');
    } finally {
      await app.close();
    }
  });
});
