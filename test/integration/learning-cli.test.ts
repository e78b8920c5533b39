import { SSH, eveLine } from '../helpers/alerts';
import { ADMIN_KEY, eventually, startTestApp, type TestApp } from '../helpers/app';
import { runGwanje } from '../helpers/processes';

/** `gwanje model train|list|promote|rollback` against a running API. */
describe('gwanje model', () => {
  let app: TestApp;
  let env: Record<string, string>;
  const J = 'seoul-jongno';

  beforeAll(async () => {
    app = await startTestApp({ learning: { minExamples: 4, trainEvery: null } });
    env = { GWANJE_URL: app.base, GWANJE_KEY: ADMIN_KEY };
    const threat = ['45.155.205.31', '45.155.205.32', '45.155.205.33'];
    const benign = ['211.234.12.1', '211.234.12.2', '211.234.12.3'];
    const lines = [...threat.flatMap((ip) => Array.from({ length: 12 }, (_, i) => eveLine(i, ip, '10.11.0.5', 22, SSH))), ...benign.map((ip) => eveLine(0, ip, '10.11.0.5', 443, SSH))];
    expect((await app.call('POST', `/v1/ingest?format=suricata-eve&jurisdiction=${J}`, { raw: lines.join('\n') })).status).toBe(202);
    await eventually(async () => (await app.call('GET', `/v1/threats?jurisdiction=${J}&min_score=0&limit=50`)).body.items?.length === 6);
    for (const ip of threat) expect((await app.call('POST', '/v1/decisions', { body: { value: ip, jurisdiction: J, duration: '1h', reason: 'brute force' } })).status).toBe(201);
    for (const ip of benign) expect((await app.call('POST', '/v1/allowlist', { body: { value: ip, jurisdiction: J, reason: 'monitoring' } })).status).toBe(201);
  }, 60_000);
  afterAll(() => app.close());

  it('trains, lists, promotes and rolls back', async () => {
    const t = await runGwanje(['model', 'train', '--jurisdiction', J], env);
    expect([t.status, t.stderr]).toEqual([0, '']);
    expect(t.stdout).toMatch(/^seoul-jongno\.v1\tshadow\ttrained on \d+ \(held out \d+\)\tprecision /);
    expect((await runGwanje(['model', 'promote', `${J}.v1`, '--reason', 'reviewed'], env)).stdout).toMatch(/^seoul-jongno\.v1\tlive/);
    await runGwanje(['model', 'train', '--jurisdiction', J], env);
    await runGwanje(['model', 'promote', `${J}.v2`, '--reason', 'newer'], env);
    expect((await runGwanje(['model', 'rollback', '--jurisdiction', J, '--reason', 'v2 worse'], env)).stdout).toMatch(/^seoul-jongno\.v1\tlive/);
    const list = await runGwanje(['model', 'list', '--jurisdiction', J], env);
    expect(list.stdout.split('\n').filter(Boolean).map((l) => l.split('\t').slice(0, 2).join(' '))).toEqual([`${J}.v2 retired`, `${J}.v1 live`]);
    // Too few examples elsewhere: exit 3 with the reason.
    const none = await runGwanje(['model', 'train', '--jurisdiction', 'seoul-mapo'], env);
    expect(none.status).toBe(3);
    expect(none.stderr).toContain('skipped seoul-mapo: seoul-mapo: 0 examples');
  }, 120_000);
});
