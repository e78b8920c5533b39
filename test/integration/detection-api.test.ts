import { DetectionService } from '../../src/detection/detection.service';
import { SSH, eveLine, type Signature } from '../helpers/alerts';
import { eventually, startTestApp, type TestApp } from '../helpers/app';

const now = Date.now();
const eve = (i: number, src: string, dst: string, dport: number, sig: Signature) => eveLine(i, src, dst, dport, sig, now);
/** An exploit attempt the IPS dropped (no CVE id): critical-signature points, but no flag on its own. */
const EXPLOIT: Signature = { sid: 2034125, name: 'ET EXPLOIT Path Traversal', cat: 'Attempted Administrator Privilege Gain', sev: 1 };
const dropped = (i: number, src: string, dst: string, dport: number) => eve(i, src, dst, dport, EXPLOIT).replace('"action":"allowed"', '"action":"blocked"');

/** The threats API, and what each jurisdiction's analysts may see of an IP reported by several. */
describe('detection API and jurisdiction isolation', () => {
  let app: TestApp;
  const attacker = '45.155.205.7';
  const local = '211.234.10.20';
  let jongno: string;
  let gyeonggi: string;

  beforeAll(async () => {
    app = await startTestApp();
    // The attacker brute-forces SSH in Jongno and tries an exploit twice in Suwon (dropped by the IPS); a domestic IP trips one rule in Mapo.
    const jongnoLines = Array.from({ length: 12 }, (_, i) => eve(i, attacker, '10.11.0.5', 22, SSH));
    const suwonLines = [dropped(50, attacker, '10.21.0.9', 8080), dropped(51, attacker, '10.21.0.9', 8080)];
    for (const [j, lines] of [['seoul-jongno', jongnoLines], ['gyeonggi-suwon', suwonLines], ['seoul-mapo', [dropped(60, local, '10.13.0.1', 80)]]] as const)
      expect((await app.call('POST', `/v1/ingest?format=suricata-eve&jurisdiction=${j}`, { raw: lines.join('\n') })).status).toBe(202);
    await eventually(async () => {
      const q = (await app.call('GET', '/health')).body.queues?.ingest;
      return q && q.waiting === 0 && q.active === 0;
    }, 20_000);
    jongno = (await app.call('POST', '/v1/keys', { body: { role: 'analyst', jurisdiction: 'seoul-jongno' } })).body.key;
    gyeonggi = (await app.call('POST', '/v1/keys', { body: { role: 'analyst', jurisdiction: 'gyeonggi' } })).body.key;
  }, 60_000);
  afterAll(() => app.close());

  it('ranks IPs by score with contributions, for the hub across every jurisdiction', async () => {
    const r = await app.call('GET', '/v1/threats?min_score=1');
    expect(r.status).toBe(200);
    expect(r.body.items.map((t) => t.ip)).toEqual([attacker, local]);
    const top = r.body.items[0];
    expect(top).toMatchObject({ view: 'federation', flagged: true, jurisdictions: ['gyeonggi-suwon', 'seoul-jongno'], alertCount: 14, country: expect.any(String) });
    expect(top.contributions.map((c) => c.detail)).toEqual(expect.arrayContaining([expect.stringMatching(/^event_count = 12 in 5m \(rule brute-force, \+\d+\)$/), expect.stringMatching(/^seen by 2 jurisdictions/)]));
    expect(top.score).toBeGreaterThanOrEqual(60);
    expect((await app.call('GET', '/v1/threats?min_score=60')).body.items.map((t) => t.ip)).toEqual([attacker]);
  });

  it("gives the hub the full profile: flag, rules, signatures, recent alerts, enrichment", async () => {
    // The sample playbooks may be blocking the flagged attacker meanwhile: every ban they make is a block for recurrence.
    const r = await eventually(async () => {
      const x = await app.call('GET', `/v1/ips/${attacker}`);
      return x.status === 200 && x.body.recurrence.blocks === (x.body.extensions.decisions as unknown[]).length ? x : null;
    });
    expect(r.body).toMatchObject({ ip: attacker, view: 'federation', flag: { generation: expect.any(Number) }, alertCount: 14 });
    expect(r.body.rules.map((x) => x.id)).toEqual(expect.arrayContaining(['brute-force', 'critical-signature']));
    expect(r.body.alertsBySignature).toEqual(expect.arrayContaining([{ signature: 'suricata-eve:2001219', name: 'ET SCAN Potential SSH Scan', count: 12 }]));
    expect(r.body.recentAlerts).toHaveLength(14);
    expect(r.body.jurisdictionsSeen.map((j) => j.id).sort()).toEqual(['gyeonggi-suwon', 'seoul-jongno']);
    expect(r.body.asn).toEqual({ number: expect.any(Number), org: expect.any(String) });
    expect((await app.call('GET', '/v1/ips/not-an-ip')).status).toBe(400);
    expect((await app.call('GET', '/v1/ips/198.51.100.250')).status).toBe(404);
  });

  it("shows a district only what its own sensors reported, with the federation's flag and its own blocks", async () => {
    const hub = (await app.call('GET', `/v1/ips/${attacker}`)).body;
    expect(hub.flag).toEqual({ generation: expect.any(Number), score: expect.any(Number), at: expect.any(String) });
    // A block in Jongno (the sample playbooks may have made it already: then this one is refused as a duplicate).
    await app.call('POST', '/v1/decisions', { body: { value: attacker, jurisdiction: 'seoul-jongno', duration: '2h', reason: 'district block' } });
    const r = await app.call('GET', `/v1/ips/${attacker}`, { key: jongno });
    expect(r.status).toBe(200);
    // Partial score, but the flag is the federation's: a district is not told the worst attackers are harmless.
    expect(r.body).toMatchObject({ view: 'partial', flagged: true, flag: hub.flag, threshold: 60, blockedIn: ['seoul-jongno'], jurisdictions: ['seoul-jongno'], alertCount: 12 });
    expect(r.body.recentAlerts.every((a) => a.jurisdiction === 'seoul-jongno')).toBe(true);
    expect(r.body.rules.map((x) => x.id)).toEqual(['brute-force']);
    expect(JSON.stringify(r.body)).not.toContain('gyeonggi');
    expect((await app.call('GET', `/v1/ips/${local}`, { key: jongno })).status).toBe(404);
    const list = await app.call('GET', '/v1/threats', { key: jongno });
    expect(list.body.items.map((t) => t.ip)).toEqual([attacker]);
    expect(list.body.items[0]).toMatchObject({ view: 'partial', flagged: true, flag: hub.flag, threshold: 60, blockedIn: ['seoul-jongno'] });
    expect(JSON.stringify(list.body)).not.toContain('gyeonggi');
    expect((await app.call('GET', '/v1/threats?jurisdiction=gyeonggi-suwon', { key: jongno })).status).toBe(403);
  });

  it('a province sees its districts, computed from their reports only', async () => {
    const r = await app.call('GET', `/v1/ips/${attacker}`, { key: gyeonggi });
    // Flagged by the federation; Jongno's block is not Gyeonggi's to see (the hub's shares may have blocked it in Gyeonggi's).
    expect(r.body).toMatchObject({ view: 'partial', flagged: true, jurisdictions: ['gyeonggi-suwon'], alertCount: 2 });
    expect(r.body.blockedIn.every((j: string) => j.startsWith('gyeonggi'))).toBe(true);
    expect(r.body.contributions.map((c) => c.factor)).not.toContain('jurisdictions');
    expect(r.body.score).toBeLessThan(60);
  });

  it('recurrence: blocks recorded by the block-list show up in the profile', async () => {
    await app.app.get(DetectionService).recordBlock(local, { jurisdiction: 'seoul-mapo', at: now - 3_600_000 });
    const r = await app.call('GET', `/v1/ips/${local}`);
    expect(r.body.recurrence.blocks).toBe(1);
    expect(r.body.contributions.map((c) => c.factor)).toContain('recurrence');
  });
});
