import { verifyWebhook } from '../../src/playbooks/engine/webhook';
import { ADMIN_KEY, eventually, startTestApp, type TestApp } from '../helpers/app';
import { z } from 'zod';
import { WEBHOOK_SECRET, activeDecisions, approvalIdOf, enqueueFlag, flag, playbookDir, runsOf, stepResult, terminal, webhookServer, type Hook } from '../helpers/playbooks';
import { writeFileSync } from 'node:fs';
import path from 'node:path';

/** The run engine in one process (role all): each step type against the real block-list, sharing and a local webhook. */
describe('playbook runs', () => {
  jest.setTimeout(60_000);
  let app: TestApp;
  let hook: Hook;
  let dir: string;

  const pb = (id: string, rule: string, steps: string, extra = '', status = 'enforcing', owner = 'seoul-jongno') => `apiVersion: gwanje/v1
kind: Playbook
id: ${id}
name: ${id}
owner: ${owner}
status: ${status}
trigger:
  on: threat.flagged
  if: '"${rule}" in threat.rules'
${extra}steps:
${steps}`;

  beforeAll(async () => {
    hook = await webhookServer();
    dir = playbookDir();
    const files: Record<string, string> = {
      'block.yaml': pb(
        'pb-block',
        't-block',
        `  - id: block
    block: { duration: 1h, reason: "test block of {{ threat.ip }}" }
  - id: tag
    tag: { tags: [tested, "t-block"], note: "score {{ threat.score }}" }
  - id: notify
    retry: { attempts: 3, backoff: 50ms }
    notify:
      url: ${hook.url}
      secret: hook
      headers: { X-Playbook: "{{ playbook.id }}" }
      body: { ip: "{{ threat.ip }}", jurisdictions: "{{ threat.jurisdictions }}", score: "{{ threat.score }}" }
`,
      ),
      'shadow.yaml': pb(
        'pb-shadow',
        't-shadow',
        `  - id: ask
    approve: { quorum: 2, timeout: 1h }
  - id: block
    block: { duration: 24h }
  - id: notify
    notify: { url: ${hook.url}, secret: hook }
`,
        '',
        'shadow',
      ),
      'breaker.yaml': pb('pb-breaker', 't-breaker', `  - id: block\n    block: { duration: 1h }\n`, 'guards:\n  max_actions_per_hour: 2\n'),
      'refused.yaml': pb('pb-refused', 't-refused', `  - id: block\n    block: { duration: 1h }\n  - id: tag\n    tag: { tags: [never] }\n`),
      'share.yaml': pb('pb-share', 't-share', `  - id: share\n    share: { to: [children], tlp: AMBER, ttl: 6h }\n`, '', 'enforcing', 'seoul'),
      'notify-404.yaml': pb('pb-notify-404', 't-404', `  - id: notify\n    notify: { url: ${hook.url.replace('/hook', '/gone')}, secret: hook }\n`),
      'unblock.yaml': `apiVersion: gwanje/v1
kind: Playbook
id: pb-unblock
name: Lift a block by hand
owner: seoul-jongno
status: enforcing
trigger: { on: manual }
steps:
  - id: lift
    unblock: { reason: "lifted: {{ threat.reason }}" }
`,
      'quorum.yaml': pb(
        'pb-quorum',
        't-quorum',
        `  - id: ask
    approve:
      approvers: { roles: [admin, analyst], jurisdictions: [seoul-jongno] }
      quorum: 2
      timeout: 1h
  - id: block
    block: { duration: 2h }
`,
      ),
    };
    for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
    app = await startTestApp({ playbooks: { dir, watch: false, stepBackoff: '50ms', webhooks: { secrets: { hook: { value: WEBHOOK_SECRET } }, allow: ['127.0.0.1/32'] } } });
    const list = await app.call('GET', '/v1/playbooks');
    expect(list.body.errors).toEqual([]);
    expect(list.body.items.map((i) => i.id).sort()).toEqual(['pb-block', 'pb-breaker', 'pb-notify-404', 'pb-quorum', 'pb-refused', 'pb-shadow', 'pb-share', 'pb-unblock']);
  });
  afterAll(async () => {
    await app?.close();
    await hook?.close();
  });

  it('block, tag and notify: a decision, a tag, and a signed webhook POST retried after a 500', async () => {
    hook.answers.push(500);
    const ip = '91.240.118.10';
    await enqueueFlag(app, flag({ ip, rules: ['t-block'], jurisdictions: ['seoul-jongno', 'seoul-mapo'] }));
    const [run] = await runsOf(app, 'pb-block', (r) => r.length === 1 && terminal(r[0]));
    expect(run.status).toBe('succeeded');
    expect(run.mode).toBe('enforcing');
    expect(run.steps.map((s) => `${s.id}:${s.status}`)).toEqual(['block:done', 'tag:done', 'notify:done']);
    expect(run.playbook).toMatchObject({ id: 'pb-block', version: 1, owner: 'seoul-jongno' });
    expect(run.playbook.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(run.trigger).toMatchObject({ type: 'threat.flagged', key: `flag:${ip}:1`, ip });

    const [d] = await activeDecisions(app, ip, 'seoul-jongno');
    expect(d).toMatchObject({ value: ip, jurisdiction: 'seoul-jongno', origin: { type: 'playbook', id: run.id }, reason: `test block of ${ip}`, score: 90 });
    expect(Date.parse(d.expires) - Date.parse(d.created)).toBe(3_600_000);
    expect(run.decisions).toEqual([d.id]);

    const tags = await app.call('GET', `/v1/ip-tags/${ip}`);
    expect(tags.body.tags.map((t) => t.tag).sort()).toEqual(['t-block', 'tested']);
    expect(tags.body.tags[0]).toMatchObject({ jurisdiction: 'seoul-jongno', note: 'score 90', playbook: 'pb-block', run: run.id });

    // The webhook: first answer 500, then retried; both carry the same delivery id and a valid signature.
    expect(hook.requests).toHaveLength(2);
    const notify = run.steps[2];
    expect(notify.attempts).toBe(2);
    expect(notify.result).toEqual({ status: 200 });
    for (const r of hook.requests) {
      const ts = Number(r.headers['x-gwanje-timestamp']);
      expect(verifyWebhook(WEBHOOK_SECRET, ts, r.body, String(r.headers['x-gwanje-signature']))).toBe(true);
      expect(verifyWebhook('another-secret-0123456789abcdef', ts, r.body, String(r.headers['x-gwanje-signature']))).toBe(false);
      expect(r.headers['x-gwanje-delivery']).toBe(`${run.id}:notify`);
      expect(r.headers['x-playbook']).toBe('pb-block');
      expect(r.headers['content-type']).toBe('application/json');
    }
    expect(JSON.parse(hook.requests[1].body)).toEqual({ ip, jurisdictions: ['seoul-jongno', 'seoul-mapo'], score: 90 });
    expect(hook.requests[1].at - hook.requests[0].at).toBeGreaterThanOrEqual(40);
  });

  it('a re-delivered trigger (same job, or the same flag queued again) makes one run, one decision, one notification', async () => {
    const ip = '91.240.118.11';
    const before = hook.requests.length;
    const p = flag({ ip, rules: ['t-block'] });
    await enqueueFlag(app, p);
    await runsOf(app, 'pb-block', (r) => r.some((x) => x.trigger.ip === ip && terminal(x)));
    await enqueueFlag(app, p); // same job id
    await enqueueFlag(app, p, 'redelivered-by-hand'); // the same flag under another job id
    await enqueueFlag(app, { ...p, flaggedAt: new Date().toISOString() }, 'redelivered-again');
    await new Promise((r) => setTimeout(r, 1500));
    const runs = (await runsOf(app, 'pb-block')).filter((r) => r.trigger.ip === ip);
    expect(runs).toHaveLength(1);
    expect(await activeDecisions(app, ip)).toHaveLength(1);
    expect(hook.requests.length - before).toBe(1);
  });

  it('shadow mode: records what it would have done ("would"), makes no decision, asks no approval, posts nothing', async () => {
    const ip = '91.240.118.12';
    const before = hook.requests.length;
    await enqueueFlag(app, flag({ ip, rules: ['t-shadow'] }));
    const [run] = await runsOf(app, 'pb-shadow', (r) => r.length === 1 && terminal(r[0]));
    expect(run.mode).toBe('shadow');
    expect(run.status).toBe('succeeded');
    expect(run.steps.map((s) => `${s.id}:${s.status}`)).toEqual(['ask:would', 'block:would', 'notify:would']);
    expect(run.steps[1].result).toEqual({ decisions: [{ value: ip, jurisdiction: 'seoul-jongno', duration: '24h' }], refused: [] });
    expect(run.steps[0].result?.change).toEqual([
      { step: 'block', action: 'block', value: ip, durations: { 'seoul-jongno': '24h' } },
      { step: 'notify', action: 'notify', url: hook.url },
    ]);
    expect(run.decisions).toEqual([]);
    expect(await activeDecisions(app, ip)).toEqual([]);
    expect(hook.requests.length).toBe(before);
    const pending = await app.call('GET', '/v1/approvals?status=pending');
    expect(pending.body.items.filter((a) => a.change.run === run.id)).toEqual([]);
  });

  it('circuit breaker: past the blast radius the playbook stops acting, raises an approval, and resumes once approved', async () => {
    const ips = ['91.240.119.1', '91.240.119.2', '91.240.119.3'];
    for (const ip of ips) {
      await enqueueFlag(app, flag({ ip, rules: ['t-breaker'] }));
      await runsOf(app, 'pb-breaker', (r) => r.some((x) => x.trigger.ip === ip && terminal(x)));
    }
    const runs = await runsOf(app, 'pb-breaker', (r) => r.length === 3);
    const byIp = Object.fromEntries(runs.map((r) => [r.trigger.ip, r]));
    expect(byIp[ips[0]].status).toBe('succeeded');
    expect(byIp[ips[1]].status).toBe('succeeded');
    expect(byIp[ips[2]].status).toBe('halted');
    expect(byIp[ips[2]].steps[0].status).toBe('suppressed');
    expect(byIp[ips[2]].stopReason).toMatch(/blast radius reached: 2 actions in the last hour \(cap 2\); circuit breaker opened, approval apr-\w+ raised/);
    expect(await activeDecisions(app, ips[2])).toEqual([]);

    const detail = await app.call('GET', '/v1/playbooks/pb-breaker');
    expect(detail.body.breaker).toMatchObject({ runId: byIp[ips[2]].id, approvalId: expect.stringMatching(/^apr-/) });
    expect(detail.body.actionsLastHour).toBe(2);

    // While open, nothing acts.
    await enqueueFlag(app, flag({ ip: '91.240.119.4', rules: ['t-breaker'] }));
    const [halted] = (await runsOf(app, 'pb-breaker', (r) => r.some((x) => x.trigger.ip === '91.240.119.4' && terminal(x)))).filter((r) => r.trigger.ip === '91.240.119.4');
    expect(halted.status).toBe('halted');
    expect(halted.stopReason).toMatch(/circuit breaker of pb-breaker is open/);

    const approvals = await app.call('GET', '/v1/approvals?status=pending');
    const a = approvals.body.items.find((x) => x.kind === 'circuit-breaker' && x.change.playbook === 'pb-breaker');
    expect(a).toMatchObject({ jurisdiction: 'seoul-jongno', quorum: 1, onTimeout: 'deny', id: detail.body.breaker?.approvalId });
    const ok = await app.call('POST', `/v1/approvals/${a?.id}/approve`, { body: { comment: 'checked: real attack wave' } });
    expect(ok.status).toBe(200);
    expect(ok.body.status).toBe('approved');
    await eventually(async () => (await app.call('GET', '/v1/playbooks/pb-breaker')).body.breaker === null);

    await enqueueFlag(app, flag({ ip: '91.240.119.5', rules: ['t-breaker'] }));
    await runsOf(app, 'pb-breaker', (r) => r.some((x) => x.trigger.ip === '91.240.119.5' && x.status === 'succeeded'));
    expect(await activeDecisions(app, '91.240.119.5')).toHaveLength(1);
  });

  it('guards: an allowlisted target is refused by the block-list; the run stops and later steps do not run', async () => {
    await enqueueFlag(app, flag({ ip: '8.8.8.8', rules: ['t-refused'] }));
    const [run] = await runsOf(app, 'pb-refused', (r) => r.length === 1 && terminal(r[0]));
    expect(run.status).toBe('refused');
    expect(run.steps.map((s) => `${s.id}:${s.status}`)).toEqual(['block:refused', 'tag:skipped']);
    expect(stepResult(run, 0, z.object({ refused: z.array(z.record(z.string(), z.unknown())) })).refused[0]).toMatchObject({ jurisdiction: 'seoul-jongno', code: 'allowlisted' });
    expect(await activeDecisions(app, '8.8.8.8')).toEqual([]);
  });

  it('share: publishes through the sharing service with the run as provenance', async () => {
    await enqueueFlag(app, flag({ ip: '91.240.118.40', rules: ['t-share'], jurisdictions: ['seoul-mapo'] }));
    const [run] = await runsOf(app, 'pb-share', (r) => r.length === 1 && terminal(r[0]));
    expect(run.status).toBe('succeeded');
    expect(run.steps[0].status).toBe('done');
    const shared = stepResult(run, 0, z.object({ shareId: z.string(), targets: z.array(z.object({ jurisdiction: z.string() })) }));
    expect(shared.shareId).toEqual(expect.any(String));
    expect(shared.targets.map((t) => t.jurisdiction).sort()).toEqual(['seoul-gangnam', 'seoul-jongno', 'seoul-mapo']);
  });

  it('notify: a 404 is not retried; the run fails fast and is listed as failed', async () => {
    const before = hook.requests.length;
    await enqueueFlag(app, flag({ ip: '91.240.118.44', rules: ['t-404'] }));
    const [run] = await runsOf(app, 'pb-notify-404', (r) => r.length === 1 && terminal(r[0]));
    expect(run.status).toBe('failed');
    expect(run.steps[0]).toMatchObject({ status: 'failed', attempts: 1, error: expect.stringContaining('HTTP 404 (not retried)') });
    expect(hook.requests.length - before).toBe(1);
    const failed = await app.call('GET', '/v1/runs?status=failed');
    expect(failed.body.items.map((r) => r.id)).toContain(run.id);
  });

  it('unblock (manual run): lifts the decision a playbook made', async () => {
    const ip = '91.240.118.10';
    expect(await activeDecisions(app, ip, 'seoul-jongno')).toHaveLength(1);
    const res = await app.call('POST', '/v1/playbooks/pb-unblock/run', { body: { ip, reason: 'false positive: partner scanner' } });
    expect(res.status).toBe(202);
    const run = await eventually(async () => {
      const r = await app.call('GET', `/v1/runs/${res.body.runId}`);
      return terminal(r.body) ? r.body : null;
    });
    expect(run.status).toBe('succeeded');
    expect(stepResult(run, 0, z.object({ ended: z.array(z.record(z.string(), z.unknown())) })).ended[0]).toMatchObject({ jurisdiction: 'seoul-jongno', ended: true });
    expect(await activeDecisions(app, ip, 'seoul-jongno')).toEqual([]);
    expect((await app.call('POST', '/v1/playbooks/pb-block/run', { body: { ip, reason: 'x' } })).status).toBe(409);
  });

  it('approve: quorum of two distinct approvers of the right jurisdiction, recorded with identity; then the block', async () => {
    const ip = '91.240.118.50';
    await enqueueFlag(app, flag({ ip, rules: ['t-quorum'] }));
    const [waiting] = await runsOf(app, 'pb-quorum', (r) => r.length === 1 && r[0].status === 'waiting');
    expect(waiting.steps.map((s) => s.status)).toEqual(['waiting', 'pending']);
    const approvalId = approvalIdOf(waiting);
    const a = (await app.call('GET', `/v1/approvals/${approvalId}`)).body;
    expect(a).toMatchObject({ status: 'pending', quorum: 2, approvers: { roles: ['admin', 'analyst'], jurisdictions: ['seoul-jongno'] }, kind: 'playbook-step' });
    expect(a.change.steps).toEqual([{ step: 'block', action: 'block', value: ip, durations: { 'seoul-jongno': '2h' } }]);
    expect(a.summary).toContain(`block ${ip} in seoul-jongno for 2h`);

    const key = async (role: string, jurisdiction: string) => (await app.call('POST', '/v1/keys', { body: { role, jurisdiction } })).body.key;
    const jongno1 = await key('analyst', 'seoul-jongno');
    const jongno2 = await key('admin', 'seoul-jongno');
    const mapo = await key('analyst', 'seoul-mapo');
    const sensor = await key('sensor', 'seoul-jongno');

    expect((await app.call('POST', `/v1/approvals/${approvalId}/approve`, { key: mapo, body: {} })).status).toBe(404); // not visible to another district
    expect((await app.call('POST', `/v1/approvals/${approvalId}/approve`, { key: sensor, body: {} })).status).toBe(403);
    const first = await app.call('POST', `/v1/approvals/${approvalId}/approve`, { key: jongno1, body: { comment: 'seen it' } });
    expect(first.status).toBe(200);
    expect(first.body.status).toBe('pending');
    const again = await app.call('POST', `/v1/approvals/${approvalId}/approve`, { key: jongno1, body: {} });
    expect(again.status).toBe(409);
    expect(again.problem.detail).toMatch(/distinct approvers/);
    expect((await app.call('GET', `/v1/runs/${waiting.id}`)).body.status).toBe('waiting');

    const second = await app.call('POST', `/v1/approvals/${approvalId}/approve`, { key: jongno2, body: { comment: 'agreed' } });
    expect(second.body.status).toBe('approved');
    expect(second.body.votes.map((v) => [v.by.role, v.by.jurisdiction, v.comment])).toEqual([
      ['analyst', 'seoul-jongno', 'seen it'],
      ['admin', 'seoul-jongno', 'agreed'],
    ]);
    const [done] = await runsOf(app, 'pb-quorum', (r) => r[0].status === 'succeeded');
    expect(done.steps.map((s) => s.status)).toEqual(['done', 'done']);
    expect(await activeDecisions(app, ip)).toHaveLength(1);
    expect((await app.call('POST', `/v1/approvals/${approvalId}/reject`, { key: ADMIN_KEY, body: {} })).status).toBe(409);

    const audit = await app.call('GET', '/v1/audit?limit=1000');
    const votes = audit.body.items.filter((e) => e.target.id === approvalId && e.action === 'approval.approved');
    expect(votes.map((e) => z.object({ approver: z.object({ jurisdiction: z.string() }) }).parse(e.detail).approver.jurisdiction)).toEqual(['seoul-jongno', 'seoul-jongno']);
  });
});
