import { SSH, eveLine, type Signature } from '../helpers/alerts';
import { eventually, startTestApp, type TestApp } from '../helpers/app';

const J = 'seoul-jongno';
const now = Date.now();
/** A partner's scanner: many low-severity hits on web ports, dropped by the IPS. */
const SCAN: Signature = { sid: 2009582, name: 'ET SCAN NMAP -sS window 1024', cat: 'Attempted Information Leak', sev: 3 };
const brute = (ip: string, n = 12) => Array.from({ length: n }, (_, i) => eveLine(i, ip, '10.11.0.5', 22, SSH, now));
const scan = (ip: string) => Array.from({ length: 4 }, (_, i) => eveLine(i, ip, `10.11.0.${10 + i}`, 80 + i, SCAN, now).replace('"action":"allowed"', '"action":"blocked"'));

type Contribution = { factor: string; points: number; detail: string };
const sum = (cs: Contribution[]) => Math.round(Math.min(100, cs.reduce((s, c) => s + c.points, 0)) * 10) / 10;

/** Verdicts → labelled examples → a model in shadow (recorded, 0 points) → promoted (adds points) → rolled back. */
describe('learning: verdicts train a model that scores in shadow until promoted', () => {
  let app: TestApp;
  const attackers = Array.from({ length: 8 }, (_, i) => `45.155.205.${10 + i}`);
  const scanners = Array.from({ length: 8 }, (_, i) => `211.234.10.${20 + i}`);
  const fresh = '45.155.205.99';

  const ingest = async (lines: string[]) => expect((await app.call('POST', `/v1/ingest?format=suricata-eve&jurisdiction=${J}`, { raw: lines.join('\n') })).status).toBe(202);
  const drained = () =>
    eventually(async () => {
      const q = (await app.call('GET', '/health')).body.queues?.ingest;
      return q && q.waiting === 0 && q.active === 0;
    });
  const threat = async (ip: string) => {
    const r = await app.call('GET', `/v1/threats?jurisdiction=${J}&min_score=0&limit=100`);
    return (r.body.items as Array<{ ip: string; score: number; contributions: Contribution[] }>).find((t) => t.ip === ip);
  };

  beforeAll(async () => {
    app = await startTestApp({ learning: { minExamples: 8, trainEvery: null } });
    await ingest([...attackers.flatMap((ip) => brute(ip)), ...scanners.flatMap(scan)]);
    await drained();
  }, 60_000);
  afterAll(() => app.close());

  it('records a labelled example per verdict, with the features the scorer saw, bounded and exportable', async () => {
    // Threat verdicts: manual blocks. Benign: half the scanners allowlisted, half blocked then lifted as false positives.
    for (const ip of attackers) expect((await app.call('POST', '/v1/decisions', { body: { value: ip, jurisdiction: J, duration: '1h', reason: 'ssh brute force' } })).status).toBe(201);
    for (const ip of scanners.slice(0, 4)) expect((await app.call('POST', '/v1/allowlist', { body: { value: ip, jurisdiction: J, reason: 'partner vulnerability scanner' } })).status).toBe(201);
    for (const ip of scanners.slice(4)) {
      const d = await app.call('POST', '/v1/decisions', { body: { value: ip, jurisdiction: J, duration: '1h', reason: 'scan' } });
      expect(d.status).toBe(201);
      expect((await app.call('DELETE', `/v1/decisions/${d.body.id}`, { body: { reason: 'false positive: partner scanner' } })).status).toBe(200);
    }
    const r = await app.call('GET', `/v1/learning/examples?jurisdiction=${J}`);
    expect(r.status).toBe(200);
    const items = r.body.items;
    // The lifted blocks' threat labels were overruled: 8 threat, 8 benign.
    expect(items.filter((e) => e.label === 'threat').map((e) => e.value).sort()).toEqual([...attackers].sort());
    expect(items.filter((e) => e.label === 'benign').map((e) => e.value).sort()).toEqual([...scanners].sort());
    const one = items.find((e) => e.value === attackers[0])!;
    expect(one).toMatchObject({ jurisdiction: J, provenance: { kind: 'manual-block', event: 'decision.created', by: expect.any(String) }, tlp: expect.any(String) });
    expect(one.local?.features).toMatchObject({ alerts: expect.any(Number), 'rule:brute-force': 1 });
    expect(one.local?.factors.length).toBeGreaterThan(0);
    expect(items.find((e) => e.value === scanners[5])).toMatchObject({ provenance: { kind: 'unblock-false-positive' } });
    const nd = await app.call('GET', `/v1/learning/examples?jurisdiction=${J}&format=ndjson`);
    expect(nd.headers.get('content-type')).toMatch(/application\/x-ndjson/);
    expect(nd.text.trim().split('\n')).toHaveLength(16);
    // Another province's key sees none of it.
    const key = (await app.call('POST', '/v1/keys', { body: { role: 'analyst', jurisdiction: 'gyeonggi' } })).body.key;
    expect((await app.call('GET', `/v1/learning/examples?jurisdiction=${J}`, { key })).status).toBe(403);
    expect((await app.call('GET', '/v1/learning/examples', { key })).body.items).toEqual([]);
  }, 60_000);

  it('trains a version with its held-out evaluation; in shadow it is recorded but adds nothing', async () => {
    const t = await app.call('POST', '/v1/models/train', { body: { jurisdiction: J } });
    expect(t.status).toBe(201);
    const m = t.body.trained[0];
    expect(m).toMatchObject({ id: `${J}.v1`, status: 'shadow', labels: { threat: 8, benign: 8 }, evaluation: { confusion: expect.any(Object), reliability: expect.any(Array) } });
    expect(m.trainingSize + m.evaluation.size).toBe(16);

    await ingest(brute(fresh));
    await drained();
    const seen = await eventually(() => threat(fresh));
    const model = seen.contributions.find((c) => c.factor === 'model')!;
    expect(model).toMatchObject({ points: 0, detail: expect.stringMatching(/^shadow model seoul-jongno\.v1: p\(threat\) = 0\.\d\d; .*would add \+/) });
    expect(seen.score).toBe(sum(seen.contributions.filter((c) => c.factor !== 'model'))); // the score is the fixed weights' alone
    expect((await app.call('GET', `/v1/models/disagreements?jurisdiction=${J}`)).status).toBe(200);
  }, 60_000);

  it('promoted, the model adds bounded points with its explanation; an earlier version can be restored', async () => {
    const before = (await threat(fresh))!;
    const p = await app.call('POST', `/v1/models/${J}.v1/promote`, { body: { reason: 'reviewed the shadow disagreements' } });
    expect(p.status).toBe(201);
    expect(p.body).toMatchObject({ status: 'live', promoted: { reason: 'reviewed the shadow disagreements' } });
    const after = (await threat(fresh))!;
    const model = after.contributions.find((c) => c.factor === 'model')!;
    expect(model.detail).toMatch(/^model seoul-jongno\.v1: p\(threat\) = /);
    expect(model.points).toBeGreaterThan(0); // a brute-forcer like the labelled ones
    expect(model.points).toBeLessThanOrEqual(app.config.learning.maxPoints);
    expect(after.score).toBeGreaterThan(before.score - 0.5);
    expect(after.score).toBe(sum(after.contributions));

    // v2 is trained (shadow), promoted, then rolled back: v1 is live again and v2 retired.
    expect((await app.call('POST', '/v1/models/train', { body: { jurisdiction: J } })).body.trained[0]).toMatchObject({ id: `${J}.v2`, status: 'shadow' });
    expect((await app.call('POST', `/v1/models/${J}.v2/promote`, { body: { reason: 'newer' } })).status).toBe(201);
    const rb = await app.call('POST', '/v1/models/rollback', { body: { jurisdiction: J, reason: 'v2 flags the partner scanner' } });
    expect(rb.status).toBe(201);
    expect(rb.body.id).toBe(`${J}.v1`);
    const list = await app.call('GET', `/v1/models?jurisdiction=${J}`);
    expect(list.body.items.map((m) => [m.id, m.status])).toEqual([[`${J}.v2`, 'retired'], [`${J}.v1`, 'live']]);
    expect((await threat(fresh))!.contributions.find((c) => c.factor === 'model')!.detail).toMatch(/^model seoul-jongno\.v1/);
    const audit = await app.call('GET', `/v1/audit?jurisdiction=${J}&limit=50`);
    expect(audit.text).toContain('model.promoted');
    expect(audit.text).toContain('model.trained');
  }, 60_000);
});

describe('learning: examples are bounded per jurisdiction', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ learning: { maxExamplesPerJurisdiction: 10, trainEvery: '1s' } });
  }, 60_000);
  afterAll(() => app.close());

  it('keeps the newest maxExamplesPerJurisdiction, dropping the oldest', async () => {
    const ips = Array.from({ length: 12 }, (_, i) => `211.234.11.${i + 1}`);
    for (const ip of ips) expect((await app.call('POST', '/v1/allowlist', { body: { value: ip, jurisdiction: 'seoul-mapo', reason: 'monitoring service' } })).status).toBe(201);
    const items = (await app.call('GET', '/v1/learning/examples?jurisdiction=seoul-mapo')).body.items;
    expect(items).toHaveLength(10);
    expect(items.map((e) => e.value)).not.toContain(ips[0]);
    expect(items.map((e) => e.value)).toContain(ips[11]);
    // Never seen by detection, these examples have no features: training is refused with the reason.
    const t = await app.call('POST', '/v1/models/train', { body: { jurisdiction: 'seoul-mapo' } });
    expect(t.body.trained).toEqual([]);
    expect(t.body.skipped[0].why).toMatch(/^seoul-mapo: 0 examples with features \(0 threat, 0 benign\); a model needs 20/);
  }, 60_000);

  it('trains on a schedule (a repeatable job on the learning queue)', async () => {
    await eventually(async () => ((await app.call('GET', '/health')).body.queues?.learning?.completed ?? 0) >= 2);
  }, 60_000);
});
