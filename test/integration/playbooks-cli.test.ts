import Redis from 'ioredis';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { startTestApp, type TestApp } from '../helpers/app';
import { playbookDir } from '../helpers/playbooks';
import { runGwanje } from '../helpers/processes';

const gwanje = (args: string[], env: Record<string, string> = {}) => runGwanje(args, { LOG_LEVEL: 'warn', ...env });

const pb = (id: string, body: string) => `apiVersion: gwanje/v1
kind: Playbook
id: ${id}
name: ${id}
owner: klid
status: enforcing
${body}`;

const MULTI = pb(
  'pb-multi',
  `trigger:
  on: threat.flagged
  if: threat.jurisdictions.size() >= 2
steps:
  - id: block
    block: { duration: 1h }
tests:
  - name: two reporters → blocked
    trigger: { threat: { ip: 45.155.203.1, jurisdictions: [seoul-jongno, seoul-mapo] } }
    expect: { steps: [block], decisions: [{ value: 45.155.203.1, jurisdiction: klid, duration: 1h }] }
  - name: a private address is never blocked
    trigger: { threat: { ip: 10.11.0.5, jurisdictions: [seoul-jongno, seoul-mapo] } }
    expect: { status: refused }
`,
);

describe('gwanje validate, test, simulate, backtest', () => {
  jest.setTimeout(90_000);
  let dir: string;

  beforeAll(() => {
    dir = playbookDir({
      'good.yaml': MULTI,
      'failing-test.yaml': MULTI.replace('pb-multi', 'pb-failing').replace('duration: 1h }]', 'duration: 2h }]'),
    });
  });

  it('validate: exit 0 for the sample playbooks, 1 with file:line:col  path  message for broken ones', async () => {
    const ok = await gwanje(['validate']);
    expect(ok.stderr).toMatch(/\d+ Playbook.*; 0 error\(s\)/);
    expect(ok.status).toBe(0);
    const broken = playbookDir({
      'typo.yaml': MULTI.replace('block: { duration: 1h }', 'block: { duration: 1h, scpoe: own }'),
      'cel.yaml': MULTI.replace('pb-multi', 'pb-cel').replace('threat.jurisdictions.size() >= 2', 'threat.jurisdictions.size() >= "2"'),
      'missing.yaml': MULTI.replace('pb-multi', 'pb-missing').replace('block: { duration: 1h }', 'block: { reason: x }'),
    });
    const bad = await gwanje(['validate', broken]);
    expect(bad.status).toBe(1);
    const lines = bad.stdout.trim().split('\n');
    expect(lines).toEqual([
      `${broken}/cel.yaml:9:34  trigger.if  CEL: cannot order int against string (variables: threat.ip, threat.score, threat.confidence, threat.jurisdictions, threat.country, threat.rules, threat.generation, playbook.owner)`,
      `${broken}/missing.yaml:12:5  steps[0].block.duration  missing (blocks must expire, e.g. duration: 24h)`,
      `${broken}/typo.yaml:12:28  steps[0].block.scpoe  unknown key "scpoe" (did you mean "scope"?)`,
    ]);
    expect((await gwanje(['validate', path.join(broken, 'nope.yaml')])).status).toBe(1);
  });

  it("test: runs each playbook's tests with no side effects; a failing expectation exits 1 and says why", async () => {
    const ok = await gwanje(['test', path.join(dir, 'good.yaml')]);
    expect(ok.stdout).toContain('ok    ');
    expect(ok.stdout).toContain('two reporters → blocked');
    expect(ok.stderr).toContain('2 passed, 0 failed');
    expect(ok.status).toBe(0);
    const samples = await gwanje(['test']);
    expect(samples.stdout).not.toContain('FAIL');
    expect(samples.status).toBe(0);
    const bad = await gwanje(['test', dir]);
    expect(bad.status).toBe(1);
    expect(bad.stdout).toMatch(/FAIL {2}.*failing-test\.yaml {2}pb-failing {2}two reporters → blocked\n\s+decisions: expected 45\.155\.203\.1 in klid for 2h; got 45\.155\.203\.1 in klid for 1h/);
  });

  it('simulate --trigger: the steps and decisions, as text or JSON', async () => {
    const trigger = path.join(dir, 'trigger.json');
    writeFileSync(trigger, JSON.stringify({ threat: { ip: '45.155.203.9', score: 88, jurisdictions: ['seoul-jongno', 'gyeonggi-suwon'] } }));
    const text = await gwanje(['simulate', path.join(dir, 'good.yaml'), '--trigger', trigger]);
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/status: succeeded/);
    expect(text.stdout).toMatch(/decisions: 45\.155\.203\.9 in klid for 1h/);
    const json = await gwanje(['simulate', path.join(dir, 'good.yaml'), '--trigger', trigger, '--json', '--previous-bans', '1']);
    const r = JSON.parse(json.stdout);
    expect(r.results[0]).toMatchObject({ triggered: true, status: 'succeeded', decisions: [{ value: '45.155.203.9', jurisdiction: 'klid', duration: '2h' }] });
    const bad = await gwanje(['simulate', path.join(dir, 'good.yaml')]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/give either --trigger <file> or --alerts <file>/);
  });

  describe('with stored alerts (Redis)', () => {
    let app: TestApp;
    let env: Record<string, string>;
    const attacker = '45.155.202.7';
    const now = Date.now();
    const iso = (ms: number) => new Date(ms).toISOString().replace('Z', '000+0000');
    const ssh = (i: number) =>
      JSON.stringify({ timestamp: iso(now - 120_000 + i * 1000), event_type: 'alert', src_ip: attacker, src_port: 40000 + i, dest_ip: '10.11.0.5', dest_port: 22, proto: 'TCP', alert: { action: 'allowed', signature_id: 2001219, signature: 'ET SCAN Potential SSH Scan', category: 'Attempted Information Leak', severity: 2 } });

    beforeAll(async () => {
      // Running: pb-bt blocks for 1h what two jurisdictions report. The candidate (a file) blocks brute force seen anywhere, for 6h.
      const running = playbookDir({ 'bt.yaml': MULTI.replace('pb-multi', 'pb-bt').replace(/tests:[\s\S]*$/, '') });
      app = await startTestApp({ playbooks: { dir: running, watch: false } });
      env = { REDIS_URL: app.config.redis.url!, GWANJE_REDIS_PREFIX: app.config.redis.keyPrefix };
      expect((await app.call('POST', '/v1/ingest?format=suricata-eve&jurisdiction=seoul-jongno', { raw: Array.from({ length: 12 }, (_, i) => ssh(i)).join('\n') })).status).toBe(202);
      const { eventually } = await import('../helpers/app');
      await eventually(async () => (await app.call('GET', `/v1/alerts?src_ip=${attacker}&limit=50`)).body.items?.length === 12, 20_000);
    });
    afterAll(() => app?.close());

    it('backtest: replays stored alerts through detection and the playbook, and shows the difference from the running version', async () => {
      const candidate = path.join(dir, 'bt-v2.yaml');
      writeFileSync(candidate, MULTI.replace('pb-multi', 'pb-bt').replace('threat.jurisdictions.size() >= 2', `'"brute-force" in threat.rules'`).replace('duration: 1h }\n', 'duration: 6h }\n').replace(/tests:[\s\S]*$/, ''));
      const before = await app.call('GET', '/v1/decisions?active=true');
      const r = await gwanje(['backtest', candidate, '--since', '1d'], env);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/backtest of pb-bt over the last 1d: 12 stored alerts, 1 triggers/);
      expect(r.stdout).toMatch(/candidate: 1 runs, 1 decisions/);
      expect(r.stdout).toMatch(/running \(version 1\): 0 runs, 0 decisions/);
      expect(r.stdout).toContain(`+ block ${attacker} in klid for 6h`);
      const json = JSON.parse((await gwanje(['backtest', candidate, '--since', '1d', '--json'], env)).stdout);
      expect(json).toMatchObject({ playbook: 'pb-bt', alerts: 12, triggers: 1, changed: 1, running: { version: 1, decisions: 0 } });
      // The running version by id: no difference with itself.
      const self = JSON.parse((await gwanje(['backtest', 'pb-bt', '--since', '1d', '--json'], env)).stdout);
      expect(self).toMatchObject({ triggers: 1, changed: 0, candidate: { decisions: 0 } });
      // Nothing acted, and the scratch detection state is gone.
      expect((await app.call('GET', '/v1/decisions?active=true')).body.items).toEqual(before.body.items);
      const redis = new Redis(app.config.redis.url!);
      try {
        expect(await redis.keys(`${app.config.redis.keyPrefix}:backtest-*`)).toEqual([]);
        expect((await redis.keys(`${app.config.redis.keyPrefix}:det:*`)).length).toBeGreaterThan(0); // the live state is there
      } finally {
        redis.disconnect();
      }
      expect((await gwanje(['backtest', candidate, '--since', 'lately'], env)).status).toBe(2);
    });

    it('simulate --alerts: alerts replayed through detection, then the playbook', async () => {
      const alerts = (await app.call('GET', `/v1/alerts?src_ip=${attacker}&limit=50`)).body;
      const file = path.join(dir, 'alerts.json');
      writeFileSync(file, JSON.stringify(alerts));
      const candidate = path.join(dir, 'bt-v2.yaml');
      const r = await gwanje(['simulate', candidate, '--alerts', file, '--json'], env);
      expect(r.status).toBe(0);
      const out = JSON.parse(r.stdout);
      expect(out.results).toHaveLength(1);
      expect(out.results[0]).toMatchObject({ ip: attacker, triggered: true, status: 'succeeded', decisions: [{ value: attacker, jurisdiction: 'klid', duration: '6h' }] });
    });
  });
});
