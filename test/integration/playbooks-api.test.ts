import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { EXPLOIT, SSH, eveLine, type Signature } from '../helpers/alerts';
import { eventually, startTestApp, type TestApp } from '../helpers/app';
import { activeDecisions, enqueueFlag, flag, playbookDir, runsOf, terminal } from '../helpers/playbooks';

const now = Date.now();
const eve = (i: number, src: string, dst: string, dport: number, sig: Signature) => eveLine(i, src, dst, dport, sig, now);

const doc = (id: string, extra: { status?: string; duration?: string; owner?: string; rule?: string } = {}) => `apiVersion: gwanje/v1
kind: Playbook
id: ${id}
name: ${id}
owner: ${extra.owner ?? 'seoul-jongno'}
status: ${extra.status ?? 'enforcing'}
trigger:
  on: threat.flagged
  if: '"${extra.rule ?? id}" in threat.rules'
steps:
  - id: block
    block: { duration: ${extra.duration ?? '1h'} }
`;

/** The playbooks API (list, detail with load errors, validate, PUT with versions, rollback, simulate, runs), hot reload, and ingest → playbook decision. */
describe('playbooks API', () => {
  jest.setTimeout(60_000);
  let app: TestApp;
  let dir: string;

  beforeAll(async () => {
    dir = playbookDir({
      'hot.yaml': doc('pb-hot', { duration: '1h' }),
      // End to end: an IP several jurisdictions report is blocked by the hub.
      'e2e.yaml': `apiVersion: gwanje/v1
kind: Playbook
id: pb-e2e
name: hub blocks multi-jurisdiction threats
owner: klid
status: enforcing
trigger:
  on: threat.flagged
  if: threat.jurisdictions.size() >= 2 && "brute-force" in threat.rules
steps:
  - id: block
    block: { duration: 12h, reason: "{{ threat.jurisdictions.size() }} jurisdictions, score {{ threat.score }}" }
`,
      // Per alert: tag the source of a log4j exploit attempt (shadow: recorded, not done).
      'alert.yaml': `apiVersion: gwanje/v1
kind: Playbook
id: pb-alert
name: tag log4j sources
owner: seoul
status: shadow
trigger:
  on: alert
  if: alert.rule.name.contains("log4j") && alert.severity.id >= 1
steps:
  - id: tag
    tag: { tags: [log4j], note: "{{ alert.rule.name }} on port {{ alert.destination.port }}" }
`,
    });
    app = await startTestApp({ playbooks: { dir, watch: true, watchDebounceMs: 50, webhooks: { secrets: { soc: { value: 'a-test-webhook-secret' } }, allow: ['soc.gwanje.test'] } } });
  });
  afterAll(() => app?.close());

  it('end to end: alerts POSTed to /v1/ingest are flagged by detection and blocked by a playbook', async () => {
    const attacker = '45.155.204.7';
    const jongno = Array.from({ length: 12 }, (_, i) => eve(i, attacker, '10.11.0.5', 22, SSH));
    const suwon = [eve(50, attacker, '10.21.0.9', 8080, EXPLOIT), eve(51, attacker, '10.21.0.9', 8080, EXPLOIT)];
    for (const [j, lines] of [['seoul-jongno', jongno], ['gyeonggi-suwon', suwon]] as const)
      expect((await app.call('POST', `/v1/ingest?format=suricata-eve&jurisdiction=${j}`, { raw: lines.join('\n') })).status).toBe(202);
    const [run] = await runsOf(app, 'pb-e2e', (r) => r.some((x) => x.trigger.ip === attacker && terminal(x)), 30_000);
    expect(run).toMatchObject({ status: 'succeeded', mode: 'enforcing', trigger: { type: 'threat.flagged', ip: attacker } });
    expect(run.trigger.jurisdictions.sort()).toEqual(['gyeonggi-suwon', 'seoul-jongno']);
    const [d] = await activeDecisions(app, attacker, 'klid');
    expect(d).toMatchObject({ value: attacker, jurisdiction: 'klid', origin: { type: 'playbook', id: run.id }, reason: expect.stringMatching(/^2 jurisdictions, score \d+/) });
    expect(Date.parse(d.expires) - Date.parse(d.created)).toBe(12 * 3_600_000);
  });

  it('alert trigger: each stored alert is offered to alert playbooks, once per alert', async () => {
    const src = '45.155.204.8';
    const line = eve(70, src, '10.13.0.1', 8080, EXPLOIT);
    const post = () => app.call('POST', '/v1/ingest?format=suricata-eve&jurisdiction=seoul-mapo', { raw: [line, eve(71, src, '10.13.0.1', 22, SSH)].join('\n') });
    expect((await post()).status).toBe(202);
    const [run] = await runsOf(app, 'pb-alert', (r) => r.some((x) => x.trigger.ip === src && terminal(x)), 20_000);
    expect(run).toMatchObject({ status: 'succeeded', mode: 'shadow', trigger: { type: 'alert', ip: src, jurisdictions: ['seoul-mapo'] } });
    expect(run.steps[0]).toMatchObject({ id: 'tag', status: 'would', input: { note: expect.stringMatching(/log4j.* on port 8080$/) } });
    expect((await post()).status).toBe(202); // the same lines again: stored once, no second run
    await new Promise((r) => setTimeout(r, 1000));
    expect((await runsOf(app, 'pb-alert')).filter((x) => x.trigger.ip === src)).toHaveLength(1);
  });

  it('lists playbooks and shows one with its YAML and parsed form', async () => {
    const list = await app.call('GET', '/v1/playbooks');
    expect(list.status).toBe(200);
    expect(list.body.items.map((i) => i.id)).toEqual(expect.arrayContaining(['pb-alert', 'pb-e2e', 'pb-hot']));
    expect(list.body.errors).toEqual([]);
    const one = await app.call('GET', '/v1/playbooks/pb-hot');
    expect(one.body).toMatchObject({ id: 'pb-hot', version: 1, status: 'enforcing', source: { type: 'file', file: 'hot.yaml' }, errors: [], breaker: null, actionsLastHour: 0 });
    expect(one.body.yaml).toContain('id: pb-hot');
    const steps = z.object({ steps: z.array(z.object({ block: z.object({ duration: z.string() }) })) }).parse(one.body.playbook).steps;
    expect(steps[0].block.duration).toBe('1h');
    expect((await app.call('GET', '/v1/playbooks/nope')).status).toBe(404);
    const mapo = (await app.call('POST', '/v1/keys', { body: { role: 'analyst', jurisdiction: 'seoul-mapo' } })).body.key;
    expect((await app.call('GET', '/v1/playbooks/pb-hot', { key: mapo })).status).toBe(404); // another district's playbook
  });

  it('hot reload: a valid edit becomes a new version; a bad edit keeps the old one running and exposes the error', async () => {
    writeFileSync(path.join(dir, 'hot.yaml'), doc('pb-hot', { duration: '2h' }));
    await eventually(async () => (await app.call('GET', '/v1/playbooks/pb-hot')).body.version === 2, 15_000);
    writeFileSync(path.join(dir, 'hot.yaml'), doc('pb-hot', { duration: '2h' }).replace('block: { duration: 2h }', 'block: { duraton: 2h }'));
    // A new file that never loaded: no playbook row of its own, so the list names the file.
    writeFileSync(path.join(dir, 'new-broken.yaml'), doc('pb-new').replace('status: enforcing', 'status: enforcingg'));
    const bad = await eventually(async () => {
      const r = await app.call('GET', '/v1/playbooks/pb-hot');
      return r.body.errors.length ? r.body : null;
    }, 15_000);
    expect(bad.version).toBe(2);
    expect(bad.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ file: 'hot.yaml', line: 12, column: 14, path: 'steps[0].block.duraton', message: 'unknown key "duraton"' }),
        expect.objectContaining({ file: 'hot.yaml', line: 12, column: 5, path: 'steps[0].block.duration', message: expect.stringMatching(/^missing/), hint: 'blocks must expire, e.g. duration: 24h' }),
      ]),
    );
    const list = await eventually(async () => {
      const r = (await app.call('GET', '/v1/playbooks')).body;
      return r.files.length === 2 ? r : null;
    }, 15_000);
    expect(list.errors.length).toBeGreaterThan(0);
    // Per file: the one whose previous version runs names it; the new one runs nothing.
    expect(list.files).toEqual([
      { file: 'hot.yaml', playbooks: ['pb-hot'], errors: expect.arrayContaining([expect.objectContaining({ file: 'hot.yaml', path: 'steps[0].block.duraton' })]) },
      { file: 'new-broken.yaml', playbooks: [], errors: [expect.objectContaining({ file: 'new-broken.yaml', path: 'status' })] },
    ]);
    // Per row: the playbook shows its file's errors (the version shown keeps running), the others none.
    const rows = Object.fromEntries(list.items.map((i) => [i.id, i]));
    expect(rows['pb-hot']).toMatchObject({ version: 2, status: 'enforcing', owner: 'seoul-jongno', at: expect.any(String), errors: expect.arrayContaining([expect.objectContaining({ file: 'hot.yaml' })]) });
    expect(rows['pb-alert'].errors).toEqual([]);
    expect(rows['pb-new']).toBeUndefined();
    // The previous version still acts.
    await enqueueFlag(app, flag({ ip: '91.240.116.1', rules: ['pb-hot'] }));
    const [run] = await runsOf(app, 'pb-hot', (r) => r.some((x) => terminal(x)));
    expect(run).toMatchObject({ status: 'succeeded', playbook: { version: 2 } });
    const [d] = await activeDecisions(app, '91.240.116.1');
    expect(Date.parse(d.expires) - Date.parse(d.created)).toBe(2 * 3_600_000);
    // Fixed: the error goes away.
    writeFileSync(path.join(dir, 'hot.yaml'), doc('pb-hot', { duration: '3h' }));
    rmSync(path.join(dir, 'new-broken.yaml'));
    await eventually(async () => {
      const r = (await app.call('GET', '/v1/playbooks/pb-hot')).body;
      return r.version === 3 && r.errors.length === 0;
    }, 15_000);
    await eventually(async () => (await app.call('GET', '/v1/playbooks')).body.files.length === 0, 15_000);
  });

  it('POST /v1/playbooks/validate answers {valid, errors with file, line, column, path, message}', async () => {
    const ok = await app.call('POST', '/v1/playbooks/validate', { raw: doc('pb-x'), headers: { 'content-type': 'application/yaml' } });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ valid: true, errors: [], documents: [{ kind: 'Playbook', id: 'pb-x', line: 1 }] });
    const bad = await app.call('POST', '/v1/playbooks/validate?file=mine.yaml', { body: { yaml: doc('pb-x').replace("'\"pb-x\" in threat.rules'", 'threat.scor >= 80') } });
    expect(bad.body.valid).toBe(false);
    expect(bad.body.errors).toEqual([expect.objectContaining({ file: 'mine.yaml', line: 9, column: 13, path: 'trigger.if', message: expect.stringMatching(/^CEL: threat has no field scor/) })]);
  });

  it('PUT stores versions (history, rollback), refuses invalid YAML with positions, and checks the owner', async () => {
    const put = (text: string, key?: string) => app.call('PUT', '/v1/playbooks/pb-api', { raw: text, headers: { 'content-type': 'application/yaml' }, key });
    const v1 = await put(doc('pb-api', { status: 'shadow', duration: '1h' }));
    expect(v1.status).toBe(200);
    expect(v1.body).toMatchObject({ id: 'pb-api', version: 1, changed: true, status: 'shadow' });
    expect((await put(doc('pb-api', { status: 'shadow', duration: '1h' }))).body).toMatchObject({ version: 1, changed: false });
    const v2 = await app.call('PUT', '/v1/playbooks/pb-api', { body: { yaml: doc('pb-api', { duration: '4h' }), comment: 'enforce' } });
    expect(v2.body).toMatchObject({ version: 2, changed: true, status: 'enforcing' });

    const invalid = await put(doc('pb-api').replace('duration: 1h', 'duration: forever'));
    expect(invalid.status).toBe(422);
    expect(invalid.problem.errors?.[0]).toMatchObject({ path: 'steps[0].block.duration', line: 12, column: 14, message: expect.stringContaining('a duration like') });
    expect((await put(doc('pb-other'))).status).toBe(422); // id does not match the URL
    const mapo = (await app.call('POST', '/v1/keys', { body: { role: 'admin', jurisdiction: 'seoul-mapo' } })).body.key;
    expect((await put(doc('pb-api'), mapo)).status).toBe(403);

    const versions = await app.call('GET', '/v1/playbooks/pb-api/versions');
    expect(versions.body.items.map((v) => [v.version, v.status, z.object({ type: z.string() }).parse(v.source).type])).toEqual([
      [2, 'enforcing', 'api'],
      [1, 'shadow', 'api'],
    ]);
    expect(versions.body.items[0].comment).toBe('enforce');
    const old = await app.call('GET', '/v1/playbooks/pb-api/versions/1');
    expect(old.body.yaml).toContain('status: shadow');

    const rb = await app.call('POST', '/v1/playbooks/pb-api/rollback', { body: { version: 1, comment: 'too early' } });
    expect(rb.status).toBe(200);
    expect(rb.body).toMatchObject({ version: 3, status: 'shadow' });
    const after = await app.call('GET', '/v1/playbooks/pb-api');
    expect(after.body).toMatchObject({ version: 3, status: 'shadow', source: { type: 'rollback', from: 1 } });
    expect((await app.call('POST', '/v1/playbooks/pb-api/rollback', { body: { version: 99 } })).status).toBe(404);
  });

  it('webhook steps: internal targets are refused with positions; analysts may only add allowlisted receivers', async () => {
    const hook = (id: string, url: string, name = id) => `${doc(id, { status: 'draft' }).replace(`name: ${id}`, `name: ${name}`)}  - id: tell
    notify: { url: "${url}", secret: soc }
`;
    const put = (id: string, text: string, key?: string) => app.call('PUT', `/v1/playbooks/${id}`, { raw: text, headers: { 'content-type': 'application/yaml' }, key });
    // The targets: metadata through a hex-spelled loopback, and the Redis port.
    const meta = await put('pb-ssrf', hook('pb-ssrf', 'http://0x7f000001:8080/latest/meta-data/'));
    expect(meta.status).toBe(422);
    expect(meta.problem.errors).toEqual([expect.objectContaining({ path: 'steps[1].notify.url', line: 14, column: 15, message: expect.stringContaining('webhook target refused: the address is written in a non-standard form (0x7f000001)') })]);
    const redis = await put('pb-ssrf', hook('pb-ssrf', 'http://127.0.0.1:6379/'));
    expect(redis.status).toBe(422);
    expect(redis.problem.errors?.[0].message).toContain('127.0.0.1 is a loopback address');

    const analyst = (await app.call('POST', '/v1/keys', { body: { role: 'analyst', jurisdiction: 'seoul-jongno' } })).body.key;
    const outside = await put('pb-hook', hook('pb-hook', 'https://hooks.example.org/services/T0/B0/x'), analyst);
    expect(outside.status).toBe(403);
    expect(outside.problem.detail).toMatch(/^steps\[1\]\.notify\.url: an analyst key may send webhooks only to receivers listed in playbooks\.webhooks\.allow/);
    expect((await put('pb-hook', hook('pb-hook', 'https://soc.gwanje.test/hooks/gwanje'), analyst)).status).toBe(200);
    // An admin may store another public receiver; the analyst may then edit the playbook, keeping it.
    expect((await put('pb-admin-hook', hook('pb-admin-hook', 'https://hooks.example.org/services/T0/B0/x'))).status).toBe(200);
    expect((await put('pb-admin-hook', hook('pb-admin-hook', 'https://hooks.example.org/services/T0/B0/x', 'renamed'), analyst)).status).toBe(200);
    expect((await put('pb-admin-hook', hook('pb-admin-hook', 'https://hooks.example.org/other', 'renamed'), analyst)).status).toBe(403);
  });

  it('simulate refuses a CEL expression whose cost is unbounded, at its line and column', async () => {
    const range = `[${Array.from({ length: 200 }, (_, i) => i).join(',')}]`;
    const slow = `${range}.all(a,${range}.all(b,${range}.all(c,a+b+c>=0)))`;
    const yaml = doc('pb-slow').replace(`'"pb-slow" in threat.rules'`, `'${slow}'`);
    const r = await app.call('POST', '/v1/playbooks/simulate', { body: { yaml, trigger: { threat: { ip: '91.240.116.9' } } } });
    expect(r.body.results).toEqual([]);
    expect(r.body.errors).toEqual([expect.objectContaining({ path: 'trigger.if', line: 9, column: "  if: '".length + slow.lastIndexOf('.all(') + 1, message: expect.stringContaining('nested 3 deep; at most 2 (cel.maxNesting)') })]);
  });

  it('POST /v1/playbooks/simulate: the steps and decisions a trigger would give, with no side effects', async () => {
    const yaml = doc('pb-sim', { duration: '24h' }).replace('steps:', `steps:
  - id: ask
    if: threat.country == "KR"
    approve: { quorum: 1 }`);
    const body = (threat: Record<string, unknown>, given = {}) => ({ body: { yaml, trigger: { threat: { ip: '91.240.116.9', rules: ['pb-sim'], jurisdictions: ['seoul-jongno'], ...threat } }, given } });
    const r = await app.call('POST', '/v1/playbooks/simulate', body({ country: 'CN' }));
    expect(r.status).toBe(200);
    expect(r.body.results[0]).toMatchObject({ playbook: 'pb-sim', triggered: true, status: 'succeeded', decisions: [{ value: '91.240.116.9', jurisdiction: 'seoul-jongno', duration: '24h' }] });
    expect(r.body.results[0].steps.map((s) => `${s.id}:${s.status}`)).toEqual(['ask:skipped', 'block:would']);
    const denied = await app.call('POST', '/v1/playbooks/simulate', body({ country: 'KR' }, { approval: 'deny' }));
    expect(denied.body.results[0]).toMatchObject({ status: 'denied', decisions: [] });
    const escalated = await app.call('POST', '/v1/playbooks/simulate', body({ country: 'CN' }, { previous_bans: 1 }));
    expect(escalated.body.results[0].decisions[0].duration).not.toBe('24h');
    const notMine = await app.call('POST', '/v1/playbooks/simulate', body({ rules: [] }));
    expect(notMine.body.results[0]).toMatchObject({ triggered: false, steps: [] });
    expect(await activeDecisions(app, '91.240.116.9')).toEqual([]);
    // A stored playbook by id; a malformed trigger is a 400.
    expect((await app.call('POST', '/v1/playbooks/simulate', { body: { playbook: 'pb-hot', trigger: { threat: { ip: '91.240.116.10', rules: ['pb-hot'] } } } })).body.results[0].status).toBe('succeeded');
    expect((await app.call('POST', '/v1/playbooks/simulate', { body: { yaml, trigger: { thret: {} } } })).status).toBe(400);

    // Alerts instead of a trigger: replayed through detection (scratch state), then the playbook,
    // with the real ban history (the end-to-end test banned this IP once: the second ban doubles).
    const alerts = (await app.call('GET', '/v1/alerts?src_ip=45.155.204.7&limit=100')).body.items;
    expect(alerts).toHaveLength(14);
    const fromAlerts = await app.call('POST', '/v1/playbooks/simulate', { body: { playbook: 'pb-e2e', alerts } });
    expect(fromAlerts.status).toBe(200);
    expect(fromAlerts.body.results).toEqual([expect.objectContaining({ playbook: 'pb-e2e', trigger: expect.stringMatching(/^flag:45\.155\.204\.7:/), triggered: true, status: 'succeeded', decisions: [{ value: '45.155.204.7', jurisdiction: 'klid', duration: '1d' }] })]);
    expect((await app.call('POST', '/v1/playbooks/simulate', { body: { playbook: 'pb-e2e', alerts: [{ nope: 1 }] } })).status).toBe(400);
    expect((await app.call('POST', '/v1/playbooks/simulate', { body: { playbook: 'pb-e2e' } })).status).toBe(400);
  });

  it('GET /v1/runs filters by playbook and status; GET /v1/runs/:id shows one', async () => {
    const all = await app.call('GET', '/v1/runs?playbook=pb-hot');
    expect(all.body.items.length).toBeGreaterThan(0);
    expect(all.body.items.every((r) => r.playbook.id === 'pb-hot')).toBe(true);
    const ok = await app.call('GET', '/v1/runs?playbook=pb-hot&status=succeeded');
    expect(ok.body.items.length).toBe(all.body.items.length);
    expect((await app.call('GET', '/v1/runs?playbook=pb-hot&status=failed')).body.items).toEqual([]);
    const one = await app.call('GET', `/v1/runs/${all.body.items[0].id}`);
    expect(one.body).toMatchObject({ id: all.body.items[0].id, playbook: { id: 'pb-hot' } });
    expect((await app.call('GET', '/v1/runs/run-nope')).status).toBe(404);
    expect((await app.call('GET', '/v1/runs?status=bogus')).status).toBe(400);
  });
});
