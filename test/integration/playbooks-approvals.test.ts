import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { startTestApp, type TestApp } from '../helpers/app';
import { activeDecisions, approvalIdOf, enqueueFlag, flag, playbookDir, runsOf } from '../helpers/playbooks';

/**
 * Approvals are durable: a run waiting on an approve step survives the process that started it.
 * The app (API and worker) is stopped while the run waits and a new one is started on the same
 * Redis prefix; votes cast there resume the run, and a deadline that passes while no process runs
 * still ends it (on_timeout: deny) once a worker is back.
 */
describe('playbook approvals across a worker restart', () => {
  jest.setTimeout(60_000);
  let app: TestApp | null = null;
  let prefix: string;
  let dir: string;

  const pb = (id: string, rule: string, approve: string) => `apiVersion: gwanje/v1
kind: Playbook
id: ${id}
name: ${id}
owner: seoul-jongno
status: enforcing
trigger:
  on: threat.flagged
  if: '"${rule}" in threat.rules'
steps:
  - id: ask
    approve: ${approve}
  - id: block
    block: { duration: 6h }
`;

  const start = async () => (app = await startTestApp({ playbooks: { dir, watch: false, stepBackoff: '50ms' }, ...(prefix ? { redis: { keyPrefix: prefix } } : {}) }));

  beforeAll(async () => {
    dir = playbookDir();
    writeFileSync(path.join(dir, 'quorum.yaml'), pb('pb-restart-quorum', 't-quorum', '{ quorum: 2, timeout: 1h }'));
    writeFileSync(path.join(dir, 'reject.yaml'), pb('pb-reject', 't-reject', '{ quorum: 2, timeout: 1h }'));
    writeFileSync(path.join(dir, 'timeout.yaml'), pb('pb-restart-timeout', 't-timeout', '{ quorum: 1, timeout: 3s }'));
    await start();
    prefix = app!.config.redis.keyPrefix;
  });
  afterAll(async () => {
    await app?.close();
  });

  it('quorum: the run waits, the process stops, a new one counts two distinct approvers and the run resumes', async () => {
    const ip = '91.240.117.10';
    const key = async (role: string) => (await app!.call('POST', '/v1/keys', { body: { role, jurisdiction: 'seoul-jongno' } })).body.key;
    const analyst = await key('analyst');
    const admin = await key('admin');
    await enqueueFlag(app!, flag({ ip, rules: ['t-quorum'] }));
    const [waiting] = await runsOf(app!, 'pb-restart-quorum', (r) => r.length === 1 && r[0].status === 'waiting');
    const approvalId = approvalIdOf(waiting);

    await app!.close();
    app = null;
    await start();

    expect((await app!.call('GET', `/v1/runs/${waiting.id}`)).body.status).toBe('waiting');
    const pending = await app!.call('GET', '/v1/approvals?status=pending');
    expect(pending.body.items.map((a) => a.id)).toContain(approvalId);
    const first = await app!.call('POST', `/v1/approvals/${approvalId}/approve`, { key: analyst, body: { comment: 'after the restart' } });
    expect(first.body.status).toBe('pending');
    const second = await app!.call('POST', `/v1/approvals/${approvalId}/approve`, { key: admin, body: {} });
    expect(second.body.status).toBe('approved');
    const [done] = await runsOf(app!, 'pb-restart-quorum', (r) => r[0].status === 'succeeded');
    expect(done.steps.map((s) => `${s.id}:${s.status}`)).toEqual(['ask:done', 'block:done']);
    expect(await activeDecisions(app!, ip, 'seoul-jongno')).toHaveLength(1);
  });

  it('timeout: the deadline passes while no process runs; the next worker denies the run (on_timeout: deny)', async () => {
    const ip = '91.240.117.11';
    await enqueueFlag(app!, flag({ ip, rules: ['t-timeout'] }));
    const [waiting] = await runsOf(app!, 'pb-restart-timeout', (r) => r.length === 1 && r[0].status === 'waiting');
    const approvalId = approvalIdOf(waiting);

    await app!.close();
    app = null;
    await new Promise((r) => setTimeout(r, 3500)); // past the 3 s deadline, with nothing running
    await start();

    const [denied] = await runsOf(app!, 'pb-restart-timeout', (r) => r[0].status === 'denied', 20_000);
    expect(denied.steps.map((s) => `${s.id}:${s.status}`)).toEqual(['ask:denied', 'block:skipped']);
    expect(denied.stopReason).toMatch(/timed out/);
    const a = (await app!.call('GET', `/v1/approvals/${approvalId}`)).body;
    expect(a.status).toBe('timed-out');
    expect(await activeDecisions(app!, ip)).toEqual([]);
    // Too late to vote.
    expect((await app!.call('POST', `/v1/approvals/${approvalId}/approve`, { body: {} })).status).toBe(409);
  });

  it('reject: one rejection ends the run (denied), recorded with the comment; the approval lists as rejected', async () => {
    const ip = '91.240.117.12';
    await enqueueFlag(app!, flag({ ip, rules: ['t-reject'] }));
    const [waiting] = await runsOf(app!, 'pb-reject', (r) => r.length === 1 && r[0].status === 'waiting');
    const approvalId = approvalIdOf(waiting);
    const res = await app!.call('POST', `/v1/approvals/${approvalId}/reject`, { body: { comment: 'a partner scanner' } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'rejected', votes: [{ vote: 'reject', comment: 'a partner scanner' }] });
    const [denied] = await runsOf(app!, 'pb-reject', (r) => r[0].status === 'denied');
    expect(denied.stopReason).toMatch(/was rejected at step ask/);
    expect((await app!.call('GET', '/v1/approvals?status=rejected')).body.items.map((a) => a.id)).toContain(approvalId);
    expect((await app!.call('GET', '/v1/approvals?status=pending')).body.items.map((a) => a.id)).not.toContain(approvalId);
    expect(await activeDecisions(app!, ip)).toEqual([]);
  });
});
