import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { QueuesService } from '../../src/infra/queues/queues.service';
import { SharedIndicatorPayload } from '../../src/contracts/jobs';
import { ReviewDecidedJob } from '../../src/contracts/jobs';
import { eventually, startTestApp, type TestApp } from '../helpers/app';

/**
 * In-deployment sharing on the sample hierarchy (klid → seoul → districts, klid → gyeonggi → cities)
 * with a test policy: trust modes, min confidence, max TLP, k-of-n, TLP narrowing and RED
 * containment, cycle cutting, provenance, inboxes, revocation.
 */
const POLICIES = `
apiVersion: gwanje/v1
kind: SharingPolicy
id: seoul-test
jurisdiction: [seoul, seoul-jongno, seoul-gangnam, seoul-mapo]
defaults: { down: auto-block, up: review, across: auto-block, peer: review, min_confidence: 0, max_tlp: AMBER+STRICT }
trust:
  - { from: klid, mode: auto-block, min_confidence: 60, max_tlp: AMBER }
  - { from: siblings, mode: auto-block, corroboration: { k: 2, window: 1h } }
---
apiVersion: gwanje/v1
kind: SharingPolicy
id: gyeonggi-test
jurisdiction: [gyeonggi, gyeonggi-suwon, gyeonggi-seongnam]
trust:
  - { from: klid, mode: ignore }
`;

let app: TestApp;
const share = (body: Record<string, unknown>) => app.call('POST', '/v1/shares', { body: { tlp: 'AMBER', score: 80, reason: 'brute force on VPN', ...body } });
const inbox = async (j: string, value?: string) => (await app.call('GET', `/v1/shares?direction=in&jurisdiction=${j}${value ? `&value=${value}` : ''}`)).body.items;
const active = async (j: string, value: string) => (await app.call('GET', `/v1/decisions?jurisdiction=${j}&value=${value}&active=true`)).body.items;
const target = (r: Awaited<ReturnType<typeof share>>, j: string) => r.body.targets.find((t) => t.jurisdiction === j);

beforeAll(async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'gw-sharing-'));
  writeFileSync(path.join(dir, 'policies.yaml'), POLICIES);
  // No playbooks: only the trust policy acts on what arrives. (The repository's playbooks include
  // seoul-accept-hub-shares, which blocks KLID's shares across Seoul's districts from a playbook run
  // and would race the policy's own blocks in the revocation scenario.)
  const playbooksDir = mkdtempSync(path.join(tmpdir(), 'gw-sharing-pb-'));
  app = await startTestApp({ sharing: { policiesDir: dir }, playbooks: { dir: playbooksDir } });
}, 60_000);
afterAll(() => app?.close());

describe('trust modes and edge filters', () => {
  it('auto-block down the hierarchy, ignore where the policy says so, with provenance in the inbox', async () => {
    const r = await share({ value: '45.155.205.10', from: 'klid', to: ['all'], confidence: 80, evidence: { rules: { 'brute-force': 12 }, firstSeen: '2026-11-20T00:00:00Z', lastSeen: '2026-11-20T00:05:00Z', alerts: 12, jurisdictions: ['klid'] } });
    expect(r.status).toBe(201);
    expect(r.body.shareId).toMatch(/^sh-/);
    for (const j of ['seoul', 'seoul-jongno', 'seoul-gangnam', 'seoul-mapo']) expect(target(r, j)).toEqual({ jurisdiction: j, delivered: true });
    for (const j of ['gyeonggi', 'gyeonggi-suwon', 'gyeonggi-seongnam']) expect(target(r, j)).toMatchObject({ delivered: false, reason: expect.stringContaining('ignored') });
    const [d] = await active('seoul-jongno', '45.155.205.10');
    expect(d).toMatchObject({ origin: { type: 'shared', id: r.body.shareId, chain: ['klid'] }, tlp: 'AMBER', score: 80, confidence: 80 });
    expect(await active('gyeonggi-suwon', '45.155.205.10')).toEqual([]);
    const [entry] = await inbox('seoul', '45.155.205.10');
    expect(entry).toMatchObject({
      shareId: r.body.shareId,
      from: 'klid',
      origin: 'klid',
      chain: ['klid'],
      mode: 'auto-block',
      rule: 'policy seoul-test trust[0]',
      evidence: { rules: { 'brute-force': 12 }, alerts: 12 },
      state: { status: 'blocked', decisionId: expect.any(String) },
      revoked: null,
    });
    expect(JSON.stringify(entry)).not.toMatch(/"(original|raw)"/); // summaries only, never alerts
    // The share as its sender sees it.
    const out = (await app.call('GET', '/v1/shares?direction=out&jurisdiction=klid')).body.items;
    expect(out[0]).toMatchObject({ id: r.body.shareId, from: 'klid', chain: ['klid'], parent: null, status: 'active', actor: { type: 'key' } });
    // Receivers' playbooks are told, once per (share, receiver), with the trigger's schema.
    const job = await app.app.get(QueuesService).queue('playbooks').getJob(`shared-${r.body.shareId}-seoul`);
    expect(SharedIndicatorPayload.parse(job!.data)).toMatchObject({ shareId: r.body.shareId, value: '45.155.205.10', from: 'klid', to: 'seoul', chain: ['klid'] });
  });

  it('review up the hierarchy: pending until the approval callback, then blocked', async () => {
    const r = await share({ value: '45.155.205.11', from: 'seoul-jongno', to: ['parent'] });
    expect(target(r, 'seoul')).toEqual({ jurisdiction: 'seoul', delivered: true, reason: expect.any(String) });
    const [entry] = await inbox('seoul', '45.155.205.11');
    // A real approval request was made for Seoul's officers (the test then plays its callback).
    expect(entry).toMatchObject({ mode: 'review', rule: 'policy seoul-test defaults.up', state: { status: 'pending-review', approvalId: expect.any(String) } });
    expect(target(r, 'seoul')?.reason).toContain(entry.state.approvalId);
    expect(await active('seoul', '45.155.205.11')).toEqual([]);
    await app.app.get(QueuesService).queue(ReviewDecidedJob.queue).add(ReviewDecidedJob.name, { approvalId: 'ap-1', outcome: 'approved', shareId: r.body.shareId, jurisdiction: 'seoul' });
    await eventually(async () => (await active('seoul', '45.155.205.11')).length === 1);
    expect((await inbox('seoul', '45.155.205.11'))[0].state).toMatchObject({ status: 'approved', approvalId: 'ap-1' });
    // A denial leaves nothing behind.
    const r2 = await share({ value: '45.155.205.12', from: 'seoul-mapo', to: ['parent'] });
    await app.app.get(QueuesService).queue(ReviewDecidedJob.queue).add(ReviewDecidedJob.name, { approvalId: 'ap-2', outcome: 'denied', shareId: r2.body.shareId, jurisdiction: 'seoul' });
    await eventually(async () => (await inbox('seoul', '45.155.205.12'))[0].state.status === 'denied');
    expect(await active('seoul', '45.155.205.12')).toEqual([]);
    // A review that timed out with on_timeout: approve goes ahead.
    const r3 = await share({ value: '45.155.205.14', from: 'seoul-gangnam', to: ['parent'] });
    await app.app.get(QueuesService).queue(ReviewDecidedJob.queue).add(ReviewDecidedJob.name, { approvalId: 'ap-3', outcome: 'timed-out', approved: true, shareId: r3.body.shareId, jurisdiction: 'seoul' });
    await eventually(async () => (await active('seoul', '45.155.205.14')).length === 1);
    expect((await inbox('seoul', '45.155.205.14'))[0].state).toMatchObject({ status: 'approved', approvalId: 'ap-3' });
  });

  it('min confidence and max TLP of the edge', async () => {
    const low = await share({ value: '45.155.205.13', from: 'klid', to: ['seoul'], confidence: 50 });
    expect(target(low, 'seoul')).toMatchObject({ delivered: false, reason: expect.stringMatching(/confidence 50 is below 60/) });
    const strict = await share({ value: '45.155.205.13', from: 'klid', to: ['seoul'], confidence: 90, tlp: 'AMBER+STRICT' });
    expect(target(strict, 'seoul')).toMatchObject({ delivered: false, reason: expect.stringMatching(/TLP:AMBER\+STRICT is above TLP:AMBER/) });
    expect(await inbox('seoul', '45.155.205.13')).toEqual([]);
    // The share's own min_confidence (a share step's) filters too.
    const own = await share({ value: '45.155.205.13', from: 'klid', to: ['seoul'], confidence: 70, minConfidence: 75 });
    expect(target(own, 'seoul')).toMatchObject({ delivered: false, reason: expect.stringMatching(/below the share's min_confidence 75/) });
  });
});

describe('k-of-n corroboration', () => {
  it('blocks only once k distinct origins reported the value', async () => {
    const a = await share({ value: '45.155.205.20', from: 'seoul-mapo', to: ['seoul-jongno'] });
    expect(target(a, 'seoul-jongno')).toMatchObject({ delivered: true, reason: expect.stringMatching(/1 of 2/) });
    // The same origin again is not corroboration.
    await share({ value: '45.155.205.20', from: 'seoul-mapo', to: ['seoul-jongno'], reason: 'again' });
    expect(await active('seoul-jongno', '45.155.205.20')).toEqual([]);
    const b = await share({ value: '45.155.205.20', from: 'seoul-gangnam', to: ['seoul-jongno'] });
    expect(target(b, 'seoul-jongno')).toMatchObject({ delivered: true, reason: expect.stringMatching(/corroborated by 2 jurisdictions: seoul-mapo, seoul-gangnam/) });
    const [d] = await active('seoul-jongno', '45.155.205.20');
    expect(d.origin).toMatchObject({ type: 'shared', id: b.body.shareId });
    const entries = await inbox('seoul-jongno', '45.155.205.20');
    expect(entries.map((e) => e.state.status).sort()).toEqual(['already-blocked', 'already-blocked', 'blocked']);
  });
});

describe('TLP narrowing, RED containment, cycles', () => {
  it('TLP:RED never leaves its origin', async () => {
    const r = await share({ value: '45.155.205.30', from: 'klid', to: ['all'], tlp: 'RED' });
    expect(r.status).toBe(201);
    expect(r.body.targets.every((t) => !t.delivered && /TLP:RED never leaves/.test(t.reason ?? ''))).toBe(true);
    for (const j of ['seoul', 'seoul-jongno', 'gyeonggi']) expect(await inbox(j, '45.155.205.30')).toEqual([]);
  });

  it('forwarding narrows TLP (never widens), extends the chain and cuts cycles', async () => {
    const first = await share({ value: '45.155.205.31', from: 'klid', to: ['seoul'], tlp: 'GREEN' });
    // Seoul forwards it asking for CLEAR: it stays GREEN; klid is on the chain, so it is not sent back.
    const fwd = await share({ value: '45.155.205.31', from: 'seoul', to: ['children', 'parent'], tlp: 'CLEAR' });
    expect(fwd.body.share).toMatchObject({ tlp: 'GREEN', chain: ['klid', 'seoul'], parent: first.body.shareId });
    expect(target(fwd, 'klid')).toMatchObject({ delivered: false, reason: expect.stringMatching(/cycle: klid is already on the chain klid > seoul/) });
    expect(target(fwd, 'seoul-jongno')).toMatchObject({ delivered: true });
    const [e] = await inbox('seoul-jongno', '45.155.205.31');
    expect(e).toMatchObject({ tlp: 'GREEN', chain: ['klid', 'seoul'], origin: 'klid', from: 'seoul' });
    // And from the district, neither Seoul nor KLID get it again.
    const back = await share({ value: '45.155.205.31', from: 'seoul-jongno', to: ['parent'], tlp: 'CLEAR' });
    expect(target(back, 'seoul')).toMatchObject({ delivered: false, reason: expect.stringMatching(/cycle/) });
  });

  it('AMBER+STRICT reaches its recipients but they may not forward it', async () => {
    const r = await share({ value: '45.155.205.32', from: 'seoul', to: ['seoul-jongno'], tlp: 'AMBER+STRICT' });
    expect(target(r, 'seoul-jongno')).toMatchObject({ delivered: true });
    const fwd = await share({ value: '45.155.205.32', from: 'seoul-jongno', to: ['seoul-mapo'], tlp: 'GREEN' });
    expect(fwd.body.share?.tlp).toBe('AMBER+STRICT');
    expect(target(fwd, 'seoul-mapo')).toMatchObject({ delivered: false, reason: expect.stringMatching(/AMBER\+STRICT may not be forwarded/) });
  });
});

describe('revocation', () => {
  it('ends decisions that rested only on the share; keeps independent, otherwise-shared and own-evidence ones', async () => {
    const ip = '45.155.205.40';
    // seoul-gangnam blocked it on its own first.
    expect((await app.call('POST', '/v1/decisions', { body: { value: ip, jurisdiction: 'seoul-gangnam', reason: 'seen on our VPN', duration: '24h' } })).status).toBe(201);
    // seoul-jongno's own sensor reported it.
    const line = JSON.stringify({ timestamp: new Date().toISOString().replace('Z', '+0000'), event_type: 'alert', src_ip: ip, src_port: 4444, dest_ip: '10.11.0.20', dest_port: 22, proto: 'TCP', alert: { action: 'allowed', signature_id: 2001219, rev: 1, signature: 'ET SCAN SSH', category: 'Attempted Information Leak', severity: 2 } });
    expect((await app.call('POST', '/v1/ingest?jurisdiction=seoul-jongno&format=suricata-eve', { raw: line + '\n' })).status).toBe(202);
    await eventually(async () => (await app.call('GET', `/v1/alerts?jurisdiction=seoul-jongno&src_ip=${ip}`)).body.items?.length === 1);

    const klid = await share({ value: ip, from: 'klid', to: ['seoul', 'children'] }); // klid's children: seoul, gyeonggi (ignored)
    await share({ value: ip, from: 'klid', to: ['seoul-jongno', 'seoul-gangnam', 'seoul-mapo'], reason: 'same, to the districts' }).then(async (r) => {
      // Seoul forwards klid's first share to its districts: a child share, revoked with its parent.
      const fwd = await share({ value: ip, from: 'seoul', to: ['seoul-mapo'] });
      expect(fwd.body.share?.parent).toBeTruthy();
      return r;
    });
    // seoul-mapo also has it from gyeonggi, independently (across → auto-block in the test policy).
    const gy = await share({ value: ip, from: 'gyeonggi', to: ['seoul-mapo'], reason: 'seen in Suwon' });
    expect(target(gy, 'seoul-mapo')).toMatchObject({ delivered: true });

    const districts = (await app.call('GET', `/v1/shares?direction=out&jurisdiction=klid&value=${ip}`)).body.items;
    const toDistricts = districts.find((s) => s.reason === 'same, to the districts');
    // Revoke klid's share to the districts: each district's decision either ends or is kept, and why.
    const rv = await app.call('POST', `/v1/shares/${toDistricts?.id}/revoke`, { body: { reason: 'false positive: a partner scanner' } });
    expect(rv.status).toBe(200);
    const byJ = Object.fromEntries(rv.body.outcomes.map((o) => [o.jurisdiction, o.decision]));
    expect(byJ).toEqual({ 'seoul-jongno': 'kept-own-evidence', 'seoul-gangnam': 'kept-independent', 'seoul-mapo': 'kept-other-shares' });
    expect(await active('seoul-gangnam', ip)).toHaveLength(1);
    expect(await active('seoul-jongno', ip)).toHaveLength(1);
    expect(await active('seoul-mapo', ip)).toHaveLength(1);
    // Revoking klid's first share cascades to Seoul's forward. Seoul keeps its decision: Seoul watches
    // its districts, and seoul-jongno's sensor saw the address (own evidence covers the subtree).
    const rv2 = await app.call('POST', `/v1/shares/${klid.body.shareId}/revoke`, { body: { reason: 'false positive' } });
    expect(rv2.body.outcomes).toEqual([{ jurisdiction: 'seoul', decision: 'kept-own-evidence' }]);
    expect(rv2.body.cascaded).toHaveLength(1);
    expect(await active('seoul', ip)).toHaveLength(1);
    // seoul-mapo still stands on gyeonggi's share; once that is revoked too, it ends.
    expect(await active('seoul-mapo', ip)).toHaveLength(1);
    const rv3 = await app.call('POST', `/v1/shares/${gy.body.shareId}/revoke`, { body: { reason: 'false positive' } });
    expect(rv3.body.outcomes).toEqual([{ jurisdiction: 'seoul-mapo', decision: 'ended' }]);
    expect(await active('seoul-mapo', ip)).toEqual([]);
    // Revoking twice changes nothing; the inbox shows what happened.
    expect((await app.call('POST', `/v1/shares/${gy.body.shareId}/revoke`, { body: { reason: 'again' } })).body.revoked).toBe(false);
    const mapo = await inbox('seoul-mapo', ip);
    expect(mapo.every((e) => e.revoked)).toBe(true);
    expect(mapo.find((e) => e.shareId === gy.body.shareId)?.revoked?.decision).toBe('ended');
    const audit = (await app.call('GET', '/v1/audit?limit=1000')).body.items.filter((e) => e.action === 'share.revoked');
    expect(audit.length).toBeGreaterThanOrEqual(3);
  });

  it('an origin lifting its own block revokes its shares of that value everywhere', async () => {
    const ip = '45.155.205.41';
    const own = await app.call('POST', '/v1/decisions', { body: { value: ip, jurisdiction: 'klid', reason: 'KLID AI verdict', duration: '24h' } });
    const r = await share({ value: ip, from: 'klid', to: ['seoul'] });
    expect(await active('seoul', ip)).toHaveLength(1);
    expect((await app.call('DELETE', `/v1/decisions/${own.body.id}`, { body: { reason: 'false positive' } })).status).toBe(200);
    await eventually(async () => (await active('seoul', ip)).length === 0);
    const s = (await app.call('GET', `/v1/shares/${r.body.shareId}`)).body;
    expect(s).toMatchObject({ status: 'revoked', revoked: { reason: expect.stringMatching(/was lifted in klid: false positive/) } });
  });
});

describe('API', () => {
  it('validates, scopes and names problems', async () => {
    expect((await share({ value: 'not-an-ip', from: 'klid', to: ['seoul'] })).status).toBe(400);
    expect((await share({ value: '45.0.0.0/8', from: 'klid', to: ['seoul'] })).status).toBe(422);
    expect((await share({ value: '45.155.205.50', from: 'klid', to: ['seoul'], ttl: '400d' })).status).toBe(422);
    const bad = await share({ value: '45.155.205.50', from: 'klid', to: ['seoul', 'nowhere'] });
    expect(target(bad, 'nowhere')).toMatchObject({ delivered: false, reason: expect.stringMatching(/neither a declared jurisdiction nor a configured peer/) });
    // A district key shares as its district only, and cannot revoke Seoul's shares.
    const key = (await app.call('POST', '/v1/keys', { body: { role: 'analyst', jurisdiction: 'seoul-mapo' } })).body.key;
    expect((await app.call('POST', '/v1/shares', { key, body: { value: '45.155.205.51', from: 'seoul', to: ['seoul-jongno'], reason: 'x' } })).status).toBe(403);
    const mine = await app.call('POST', '/v1/shares', { key, body: { value: '45.155.205.51', to: ['siblings'], reason: 'x' } });
    expect(mine.status).toBe(201);
    expect(mine.body.share?.from).toBe('seoul-mapo');
    const seouls = await share({ value: '45.155.205.52', from: 'seoul', to: ['seoul-mapo'] });
    expect((await app.call('POST', `/v1/shares/${seouls.body.shareId}/revoke`, { key, body: { reason: 'x' } })).status).toBe(403);
    expect((await app.call('POST', `/v1/shares/sh-nope/revoke`, { body: { reason: 'x' } })).status).toBe(404);
    expect((await app.call('GET', '/v1/shares?direction=sideways')).status).toBe(400);
    // Idempotency: the same key returns the same share.
    const a = await share({ value: '45.155.205.53', from: 'klid', to: ['seoul'], idempotencyKey: 'run-7-step-3' });
    const b = await share({ value: '45.155.205.53', from: 'klid', to: ['seoul'], idempotencyKey: 'run-7-step-3' });
    expect(b.body.shareId).toBe(a.body.shareId);
  });
});
