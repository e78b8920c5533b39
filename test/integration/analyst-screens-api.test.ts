import { eveLine, eveTime, type Signature } from '../helpers/alerts';
import { eventually, startTestApp, type TestApp } from '../helpers/app';

/**
 * What the dashboard's analyst screens read (issue 10): the threat list paged with a total and a
 * flagged filter, the IP profile's timeline in event order, past blocks without the active one and
 * whole signature names, the overview's targets, newest blocks and event-time chart by severity,
 * and a stable `code` on every problem.
 */
const SCAN: Signature = { sid: 2009582, name: 'ET SCAN NMAP -sS window 1024', cat: 'Attempted Information Leak', sev: 2 };
const LONG: Signature = {
  sid: 2035000,
  name: 'ET WEB_SPECIFIC_APPS Possible Apache Struts OGNL Expression Injection via Content-Type header (CVE-2017-5638) inbound',
  cat: 'Web Application Attack',
  sev: 3,
};
const j = 'seoul-jongno';

/** A port scan: `ports` distinct destination ports from `src` within a minute (the port-scan rule flags it). */
const scan = (src: string, dst: string, ports: number, now: number) => Array.from({ length: ports }, (_, k) => eveLine(k, src, dst, 1000 + k * 7, SCAN, now));

describe('analyst screens: threats paging, profile, overview, problem codes', () => {
  let app: TestApp;
  const now = Date.now();
  const scanners = ['45.155.205.11', '45.155.205.12', '45.155.205.13'];
  const quiet = Array.from({ length: 7 }, (_, i) => `211.234.7.${10 + i}`);
  const timeline = '45.155.205.20';

  const ingest = async (where: string, lines: string[]) => {
    const r = await app.call('POST', `/v1/ingest?format=suricata-eve&jurisdiction=${where}`, { raw: lines.join('\n'), headers: { 'content-type': 'application/x-ndjson' } });
    expect(r.status).toBe(202);
  };

  beforeAll(async () => {
    app = await startTestApp();
    await ingest(j, [
      ...scanners.flatMap((ip, i) => scan(ip, `10.11.0.${5 + i}`, 30, now)),
      ...quiet.map((ip, i) => eveLine(i, ip, '10.11.0.80', 443, SCAN, now)),
      // Received newest first: the profile's timeline must still read by event time.
      ...[50, 10, 30, 20, 40].map((s) => eveLine(s, timeline, '10.11.0.9', 8080, LONG, now)),
    ]);
    await eventually(async () => {
      const r = await app.call('GET', '/v1/threats?min_score=1&limit=500');
      return r.body.items.length >= scanners.length + quiet.length + 1 && scanners.every((ip) => r.body.items.some((t) => t.ip === ip && t.flagged));
    }, 30_000, 200);
  }, 60_000);

  it('pages the threat list by offset with a total, and filters flagged IPs', async () => {
    const all = (await app.call('GET', '/v1/threats?min_score=1&limit=500')).body;
    expect(all).toMatchObject({ total: all.items.length, totalExact: true, offset: 0, limit: 500 });
    const p1 = (await app.call('GET', '/v1/threats?min_score=1&limit=4')).body;
    const p2 = (await app.call('GET', '/v1/threats?min_score=1&limit=4&offset=4')).body;
    expect(p1.total).toBe(all.total);
    expect(p1.items.map((t) => t.ip)).toEqual(all.items.slice(0, 4).map((t) => t.ip));
    expect(p2.items.map((t) => t.ip)).toEqual(all.items.slice(4, 8).map((t) => t.ip));
    expect(p2.offset).toBe(4);

    const flagged = (await app.call('GET', '/v1/threats?flagged=true')).body;
    expect(flagged.items.map((t) => t.ip).sort()).toEqual(expect.arrayContaining(scanners));
    expect(flagged.items.every((t) => t.flagged)).toBe(true);
    expect(flagged.total).toBe(all.items.filter((t) => t.flagged).length);
    const unflagged = (await app.call('GET', '/v1/threats?flagged=false&limit=500')).body;
    expect(unflagged.items.every((t) => !t.flagged)).toBe(true);
    expect(unflagged.total + flagged.total).toBe(all.total);
    expect(flagged.items[0].firstSeen <= flagged.items[0].lastSeen).toBe(true);
    expect((await app.call('GET', '/v1/threats?flagged=maybe')).problem).toMatchObject({ status: 400, code: 'validation_failed' });
  });

  it('orders the timeline by event time, keeps signature names whole, and counts past blocks without the active one', async () => {
    const p = (await app.call('GET', `/v1/ips/${timeline}`)).body;
    const times = p.recentAlerts.map((a) => Date.parse(a.timestamp));
    expect(times).toHaveLength(5);
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(p.alertsBySignature.map((s) => s.name)).toEqual([LONG.name]);

    const block = async () => (await app.call('POST', '/v1/decisions', { body: { value: timeline, jurisdiction: j, duration: '1h', reason: 'past blocks test' } })).body;
    const first = await block();
    const one = (await app.call('GET', `/v1/ips/${timeline}`)).body;
    expect(one.blockedIn).toEqual([j]);
    expect(one.recurrence).toMatchObject({ blocks: 1, past: 0 });
    expect((await app.call('DELETE', `/v1/decisions/${first.id}`, { body: { reason: 'lifted' } })).status).toBe(200);
    await block();
    const two = (await app.call('GET', `/v1/ips/${timeline}`)).body;
    expect(two.recurrence).toMatchObject({ blocks: 2, past: 1 });
  });

  it('shows the targeted hosts and services, the newest blocks and alerts per minute by event time and severity', async () => {
    const old = JSON.stringify({ timestamp: eveTime(now - 3 * 86_400_000), event_type: 'alert', src_ip: '203.0.113.77', src_port: 1, dest_ip: '10.11.0.9', dest_port: 22, proto: 'TCP', alert: { action: 'allowed', signature_id: 1, signature: 'old', category: 'x', severity: 1 } });
    await ingest(j, [old]);
    const ov = await eventually(async () => {
      const r = (await app.call('GET', '/v1/overview?window=1h')).body;
      return r.alerts.byEventTime.outside >= 1 && r.recentDecisions?.length ? r : null;
    }, 20_000, 200);
    expect(ov.targets.hosts[0]).toEqual({ ip: expect.stringMatching(/^10\.11\.0\./), count: expect.any(Number) });
    expect(ov.targets.services).toEqual(expect.arrayContaining([{ port: 443, transport: 'tcp', count: quiet.length }, { port: 8080, transport: 'tcp', count: 5 }]));
    expect(ov.recentDecisions![0]).toMatchObject({ value: timeline, jurisdiction: j, status: 'active', origin: 'manual' });
    const ev = ov.alerts.byEventTime;
    expect(ev.minutes).toHaveLength(60);
    // Suricata severity 2 is Medium (3), 3 is Low (2): one series each, counts aligned with the minutes.
    expect(ev.series.map((s) => s.severity)).toEqual([2, 3]);
    for (const s of ev.series) expect(s.counts).toHaveLength(60);
    const drawn = ev.series.reduce((n, s) => n + s.counts.reduce((a, b) => a + b, 0), 0);
    expect(drawn + ev.outside).toBe(ov.sample.alerts);
    expect(ev.series.find((s) => s.severity === 2)!.counts.reduce((a, b) => a + b, 0)).toBe(5);
  });

  it('gives every problem a stable code', async () => {
    const analyst = (await app.call('POST', '/v1/keys', { body: { role: 'analyst', jurisdiction: j, name: 'codes' } })).body.key;
    const cases: Array<[Promise<{ problem: { status?: number; code?: string } }>, number, string]> = [
      [app.call('POST', '/v1/decisions', { body: { value: 'nope' } }), 400, 'validation_failed'],
      [app.call('GET', '/v1/threats', { key: 'not-a-key-0000000000000000' }), 401, 'unauthorized'],
      [app.call('GET', '/v1/threats?jurisdiction=gyeonggi-suwon', { key: analyst }), 403, 'forbidden'],
      [app.call('GET', '/v1/decisions/999999999'), 404, 'not_found'],
      [app.call('GET', '/v1/no-such-route'), 404, 'not_found'],
      [app.call('POST', '/v1/approvals/nope/approve', { body: {} }), 404, 'not_found'],
    ];
    for (const [call, status, code] of cases) expect((await call).problem).toMatchObject({ status, code, detail: expect.any(String) });
  });
});
