import { startTestApp, type TestApp } from '../helpers/app';
import { runGwanje } from '../helpers/processes';

const gwanje = runGwanje;

describe('gwanje CLI: block, unblock, allow', () => {
  jest.setTimeout(120_000);
  let app: TestApp;
  let env: Record<string, string>;
  let feedKey: string;
  const edl = async () => (await app.call('GET', '/v1/feeds/seoul-jongno/edl.txt', { key: feedKey })).text;

  beforeAll(async () => {
    app = await startTestApp();
    env = { REDIS_URL: app.config.redis.url!, GWANJE_REDIS_PREFIX: app.config.redis.keyPrefix };
    feedKey = (await app.call('POST', '/v1/keys', { body: { role: 'feed', jurisdiction: 'seoul-jongno' } })).body.key;
  });
  afterAll(() => app.close());

  it('blocks an address: the running API serves it in the feed at once, and unblock by address lifts it', async () => {
    const r = await gwanje(['block', '45.155.205.77', '--duration', '24h', '--jurisdiction', 'seoul-jongno', '--reason', 'ssh brute force'], env);
    expect(r.stderr).toContain('blocked 45.155.205.77 in seoul-jongno for 1d');
    expect(r.status).toBe(0);
    const [id, value, jurisdiction] = r.stdout.trim().split('\t');
    expect({ value, jurisdiction }).toEqual({ value: '45.155.205.77', jurisdiction: 'seoul-jongno' });
    const d = (await app.call('GET', `/v1/decisions/${id}`)).body;
    expect(d).toMatchObject({ status: 'active', reason: 'ssh brute force', score: 100, origin: { type: 'manual', id: expect.stringMatching(/^cli:/) } });
    expect(Date.parse(d.expires) - Date.parse(d.created)).toBe(24 * 3_600_000);
    expect(await edl()).toContain('45.155.205.77 # ssh brute force');

    const un = await gwanje(['unblock', '45.155.205.77', '--jurisdiction', 'seoul-jongno', '--reason', 'false positive'], env);
    expect(un.status).toBe(0);
    expect(un.stderr).toContain('unblocked 45.155.205.77');
    expect(await edl()).not.toContain('45.155.205.77');
    expect((await app.call('GET', `/v1/decisions/${id}`)).body).toMatchObject({ status: 'ended', ended: { reason: 'false positive', by: { type: 'cli' } } });
    const audit = (await app.call('GET', '/v1/audit?jurisdiction=seoul-jongno&limit=100')).body.items.filter((e) => e.target.id === id).map((e) => e.action);
    expect(audit).toEqual(['decision.created', 'decision.ended']);
  });

  it('blocks a CIDR canonically, unblocks by decision id, and a second unblock changes nothing', async () => {
    const r = await gwanje(['block', '91.240.118.77/24', '--duration', '2h', '--jurisdiction', 'seoul-jongno'], env);
    expect(r.status).toBe(0);
    const [id, value] = r.stdout.trim().split('\t');
    expect(value).toBe('91.240.118.0/24');
    const wrongJ = await gwanje(['unblock', id, '--jurisdiction', 'seoul-mapo', '--reason', 'x'], env);
    expect(wrongJ.status).toBe(2);
    expect(wrongJ.stderr).toContain(`decision ${id} belongs to seoul-jongno, not seoul-mapo`);
    expect((await gwanje(['unblock', id, '--jurisdiction', 'seoul-jongno', '--reason', 'done'], env)).status).toBe(0);
    const again = await gwanje(['unblock', id, '--jurisdiction', 'seoul-jongno', '--reason', 'done'], env);
    expect(again.status).toBe(0);
    expect(again.stderr).toContain('was no longer active');
    const none = await gwanje(['unblock', '203.0.113.99', '--jurisdiction', 'seoul-jongno', '--reason', 'x'], env);
    expect(none.status).toBe(1);
    expect(none.stderr).toContain('no active decision for 203.0.113.99 in seoul-jongno');
  });

  it('allow: refuses later blocks of the range, ends the active ones it covers, and may expire', async () => {
    const blocked = await gwanje(['block', '77.88.55.7', '--duration', '1h', '--jurisdiction', 'seoul-jongno'], env);
    expect(blocked.status).toBe(0);
    const allow = await gwanje(['allow', '77.88.55.0/24', '--jurisdiction', 'seoul-jongno', '--reason', 'partner SOC', '--expires', '30d'], env);
    expect(allow.status).toBe(0);
    expect(allow.stderr).toContain('allowlisted 77.88.55.0/24 in seoul-jongno until');
    expect(allow.stderr).toContain('ended 1 active block');
    const [entryId, value, jurisdiction, expires] = allow.stdout.trim().split('\t');
    expect(entryId).toMatch(/^al_/);
    expect({ value, jurisdiction }).toEqual({ value: '77.88.55.0/24', jurisdiction: 'seoul-jongno' });
    expect(Date.parse(expires) - Date.now()).toBeGreaterThan(29 * 86_400_000);
    expect(await edl()).not.toContain('77.88.55.7');

    const refused = await gwanje(['block', '77.88.55.9', '--duration', '1h', '--jurisdiction', 'seoul-jongno'], env);
    expect(refused.status).toBe(3);
    expect(refused.stderr).toContain('refused: 77.88.55.9 overlaps allowlist entry 77.88.55.0/24 (partner SOC)');
    // Through the API too: the CLI wrote the same allowlist.
    expect((await app.call('GET', '/v1/allowlist/check/77.88.55.200?jurisdiction=seoul-jongno')).body.allowlisted).toBe(true);

    const global = await gwanje(['allow', '5.188.10.8', '--reason', 'CDN'], env);
    expect(global.status).toBe(0);
    expect(global.stdout.trim().split('\t').slice(1)).toEqual(['5.188.10.8', '(global)', 'never expires']);
  });

  it('bad input: a clear message on stderr and a non-zero exit, nothing stored', async () => {
    const cases: Array<[string[], number, RegExp]> = [
      [['block', '300.1.1.1', '--duration', '1h', '--jurisdiction', 'seoul-jongno'], 2, /300\.1\.1\.1 is not an IP address or CIDR/],
      [['block', '45.155.205.8', '--jurisdiction', 'seoul-jongno'], 2, /required option '--duration <duration>' not specified/],
      [['block', '45.155.205.8', '--duration', 'forever', '--jurisdiction', 'seoul-jongno'], 2, /--duration: forever is not a duration/],
      [['block', '45.155.205.8', '--duration', '1h', '--jurisdiction', 'atlantis'], 2, /--jurisdiction: atlantis is not declared/],
      [['block', '45.155.205.8', '--duration', '1h', '--jurisdiction', 'seoul-jongno', '--score', '120'], 2, /--score: 120 is not an integer 0-100/],
      [['block', '8.8.8.8', '--duration', '1h', '--jurisdiction', 'seoul-jongno'], 3, /refused: 8\.8\.8\.8 overlaps never-block range 8\.8\.8\.8 \(Google Public DNS\)/],
      [['block', '45.0.0.0/8', '--duration', '1h', '--jurisdiction', 'seoul-jongno'], 3, /refused: 45\.0\.0\.0\/8 is wider than allowed/],
      [['block', '45.155.205.8', '--duration', '900d', '--jurisdiction', 'seoul-jongno'], 2, /refused: duration 900d is outside/],
      [['unblock', '45.155.205.8', '--jurisdiction', 'seoul-jongno'], 2, /required option '--reason <text>' not specified/],
      [['allow', '10.0.0.0/0', '--reason', 'x'], 2, /would allowlist every address/],
      [['allow', '10.1.2.3', '--reason', 'x', '--expires', 'someday'], 2, /--expires: someday is neither a duration/],
    ];
    for (const [args, status, stderr] of cases) {
      const r = await gwanje(args, env);
      expect({ args, status: r.status, stderr: r.stderr, stdout: r.stdout }).toEqual({ args, status, stderr: expect.stringMatching(stderr), stdout: '' });
    }
    expect((await app.call('GET', '/v1/decisions?jurisdiction=seoul-jongno&value=45.155.205.8')).body.items).toEqual([]);
  });
});
