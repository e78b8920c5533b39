import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { eventually, startTestApp, type TestApp } from '../helpers/app';
import { playbookDir, runsOf, stepResult, terminal } from '../helpers/playbooks';

/**
 * Revocation of decisions that receivers' playbooks (`on: shared.indicator`) made in reaction to a
 * share: they rest on the share like the trust policy's own blocks, so revoking it ends them —
 * also where the playbook's scope put them beyond the inbox — while a jurisdiction with its own
 * evidence, its own decision or another live share keeps its block.
 *
 * KLID's shares reach Seoul and Gyeonggi over review edges, so the policy itself blocks nothing:
 * every decision here comes from a playbook run.
 */
const POLICIES = `
apiVersion: gwanje/v1
kind: SharingPolicy
id: revocation-test
jurisdiction: [seoul, seoul-jongno, seoul-gangnam, seoul-mapo, gyeonggi, gyeonggi-suwon, gyeonggi-seongnam]
trust:
  - { from: klid, mode: review }
`;

const reactor = (id: string, owner: string, scope: string) => `apiVersion: gwanje/v1
kind: Playbook
id: ${id}
name: ${owner} blocks what KLID shares
owner: ${owner}
status: enforcing
trigger:
  on: shared.indicator
  if: indicator.from == "klid"
steps:
  - id: block
    block: { duration: 24h, scope: ${scope}, reason: "shared by {{ indicator.from }}" }
`;

const SEOUL = ['seoul', 'seoul-jongno', 'seoul-gangnam', 'seoul-mapo'];

let app: TestApp;
const share = (body: Record<string, unknown>) => app.call('POST', '/v1/shares', { body: { from: 'klid', tlp: 'AMBER', score: 85, confidence: 85, reason: 'brute force on VPN', ...body } });
const revoke = (id: string, reason = 'false positive') => app.call('POST', `/v1/shares/${id}/revoke`, { body: { reason } });
const active = async (j: string, value: string) => (await app.call('GET', `/v1/decisions?jurisdiction=${j}&value=${value}&active=true`)).body.items;
const edl = async (j: string) => (await app.call('GET', `/v1/feeds/${j}/edl.txt?comments=false`)).text;
const inFeed = async (j: string, ip: string) => (await edl(j)).split('\n').includes(ip);
const outcomesOf = (r: Awaited<ReturnType<typeof revoke>>) => Object.fromEntries(r.body.outcomes.map((o) => [o.jurisdiction, o.decision]));
/** The finished runs of a playbook that reacted to one share. */
const runsFor = (playbook: string, shareId: string, n = 1) => runsOf(app, playbook, (rs) => rs.filter((r) => r.trigger.key.startsWith(`share:${shareId}:`) && terminal(r)).length >= n);

beforeAll(async () => {
  const policies = mkdtempSync(path.join(tmpdir(), 'gw-sharing-rev-'));
  writeFileSync(path.join(policies, 'policies.yaml'), POLICIES);
  const playbooks = playbookDir({
    'seoul.yaml': reactor('seoul-react', 'seoul', 'subtree'),
    'gyeonggi.yaml': reactor('gyeonggi-react', 'gyeonggi', 'own'),
  });
  app = await startTestApp({ sharing: { policiesDir: policies }, playbooks: { dir: playbooks } });
}, 60_000);
afterAll(() => app?.close());

describe('decisions playbooks made in reaction to a share', () => {
  jest.setTimeout(60_000);

  it('record the share as provenance and end with it; own evidence and own decisions are kept', async () => {
    const ip = '185.220.101.40';
    // Gyeonggi's own sensor reported the address: it has evidence of its own.
    const line = JSON.stringify({ timestamp: new Date().toISOString().replace('Z', '+0000'), event_type: 'alert', src_ip: ip, src_port: 4444, dest_ip: '10.20.0.20', dest_port: 22, proto: 'TCP', alert: { action: 'allowed', signature_id: 2001219, rev: 1, signature: 'ET SCAN SSH', category: 'Attempted Information Leak', severity: 2 } });
    expect((await app.call('POST', '/v1/ingest?jurisdiction=gyeonggi&format=suricata-eve', { raw: line + '\n' })).status).toBe(202);
    await eventually(async () => (await app.call('GET', `/v1/alerts?jurisdiction=gyeonggi&src_ip=${ip}`)).body.items?.length === 1);
    // seoul-mapo had already blocked it by hand: Seoul's run finds that decision in force.
    expect((await app.call('POST', '/v1/decisions', { body: { value: ip, jurisdiction: 'seoul-mapo', reason: 'seen on our VPN', duration: '24h' } })).status).toBe(201);

    const r = await share({ value: ip, to: ['seoul', 'gyeonggi'] });
    expect(r.status).toBe(201);
    const shareId = r.body.shareId;
    await runsFor('seoul-react', shareId);
    await runsFor('gyeonggi-react', shareId);

    // The review edges blocked nothing; the playbooks did, naming the run and the share it reacted to.
    expect((await app.call('GET', `/v1/shares?direction=in&jurisdiction=seoul&value=${ip}`)).body.items[0].state.status).toBe('pending-review');
    for (const j of ['seoul', 'seoul-jongno', 'seoul-gangnam', 'gyeonggi']) {
      const [d] = await active(j, ip);
      expect(d).toMatchObject({ origin: { type: 'playbook', id: expect.stringMatching(/^run-/), share: shareId, chain: ['klid'] } });
    }
    expect((await active('seoul-mapo', ip))[0].origin).toMatchObject({ type: 'manual' });
    await eventually(() => inFeed('seoul-jongno', ip));

    const rv = await revoke(shareId, 'false positive: a partner scanner');
    expect(rv.status).toBe(200);
    expect(outcomesOf(rv)).toEqual({
      seoul: 'ended',
      gyeonggi: 'kept-own-evidence',
      // Beyond the inbox: Seoul's run blocked across its districts.
      'seoul-jongno': 'ended',
      'seoul-gangnam': 'ended',
      'seoul-mapo': 'kept-independent',
    });
    for (const j of ['seoul', 'seoul-jongno', 'seoul-gangnam']) expect(await active(j, ip)).toEqual([]);
    expect(await active('seoul-mapo', ip)).toHaveLength(1);
    expect(await active('gyeonggi', ip)).toHaveLength(1);
    // Ended decisions leave the firewalls' feeds; the kept ones stay.
    await eventually(async () => !(await inFeed('seoul-jongno', ip)) && !(await inFeed('seoul', ip)));
    expect(await inFeed('gyeonggi', ip)).toBe(true);
    const [entry] = (await app.call('GET', `/v1/shares?direction=in&jurisdiction=seoul&value=${ip}`)).body.items;
    expect(entry.revoked).toMatchObject({ decision: 'ended' });
    const ended = (await app.call('GET', `/v1/decisions?jurisdiction=seoul-jongno&value=${ip}`)).body.items[0];
    expect(ended).toMatchObject({ status: 'ended', ended: { reason: expect.stringContaining(`share ${shareId} from klid revoked`) } });
  });

  it('a decision another live share\'s run also stands on is kept until that share is revoked too', async () => {
    const ip = '185.220.101.41';
    const a = await share({ value: ip, to: ['seoul'] });
    await runsFor('seoul-react', a.body.shareId);
    const b = await share({ value: ip, to: ['seoul'], reason: 'seen again' });
    // B's run finds A's decisions in force (created: false): they now rest on B as well.
    const [runB] = await runsFor('seoul-react', b.body.shareId);
    expect(stepResult(runB, 0, z.object({ decisions: z.array(z.object({ created: z.boolean() })) })).decisions.every((d) => d.created === false)).toBe(true);

    const ra = await revoke(a.body.shareId);
    expect(outcomesOf(ra)).toEqual(Object.fromEntries(SEOUL.map((j) => [j, 'kept-other-shares'])));
    for (const j of SEOUL) expect(await active(j, ip)).toHaveLength(1);

    const rb = await revoke(b.body.shareId);
    expect(outcomesOf(rb)).toEqual(Object.fromEntries(SEOUL.map((j) => [j, 'ended'])));
    for (const j of SEOUL) expect(await active(j, ip)).toEqual([]);
  });

  it('a run that acts after its share was revoked leaves nothing behind', async () => {
    const ip = '185.220.101.42';
    const r = await share({ value: ip, to: ['seoul'] });
    // Revoked at once: the run reacting to it usually blocks after this, and its decisions end as they are linked.
    expect((await revoke(r.body.shareId)).status).toBe(200);
    await runsFor('seoul-react', r.body.shareId);
    await eventually(async () => (await Promise.all(SEOUL.map((j) => active(j, ip)))).every((d) => d.length === 0));
  });
});
