import { DecisionsService } from '../../src/blocklist/decisions.service';
import { DecisionsStore } from '../../src/blocklist/decisions.store';
import { AllowlistStore } from '../../src/blocklist/allowlist.store';
import { ALLOWLIST, type AllowlistLookup } from '../../src/blocklist/allowlist.port';
import { startTestApp, type TestApp } from '../helpers/app';

const H = 3_600_000;
const key = async (app: TestApp, role: string, jurisdiction: string) => {
  const r = await app.call('POST', '/v1/keys', { body: { role, jurisdiction } });
  expect(r.status).toBe(201);
  return r.body.key;
};

describe('block decisions and allowlists', () => {
  let app: TestApp;
  let decisions: DecisionsService;
  let analyst: string;
  beforeAll(async () => {
    app = await startTestApp({ blocklist: { escalation: { factor: 2, max: '4h', lookback: '30d' } } });
    decisions = app.app.get(DecisionsService);
    analyst = await key(app, 'analyst', 'seoul-jongno');
  });
  afterAll(() => app.close());

  it('blocks canonical values: a CIDR by its network address, IPv6 per RFC 5952, a /32 as the address', async () => {
    const cidr = await app.call('POST', '/v1/decisions', { key: analyst, body: { value: '91.240.118.77/24', duration: '2h', reason: 'scanner network' } });
    expect(cidr.status).toBe(201);
    expect(cidr.body).toMatchObject({ value: '91.240.118.0/24', scope: 'range', jurisdiction: 'seoul-jongno', type: 'ban', status: 'active', score: 100, tlp: 'AMBER', repeat: 0, ended: null, origin: { type: 'manual' } });
    expect(Date.parse(cidr.body.expires) - Date.parse(cidr.body.created)).toBe(2 * H);
    const v6 = await app.call('POST', '/v1/decisions', { key: analyst, body: { value: '2A0D:5600:0000:0000:0000:0000:0000:0001', reason: 'v6 scanner', duration: '30m' } });
    expect(v6.body).toMatchObject({ value: '2a0d:5600::1', scope: 'ip' });
    const host = await app.call('POST', '/v1/decisions', { key: analyst, body: { value: '45.155.205.9/32', reason: 'ssh', duration: '1h' } });
    expect(host.body).toMatchObject({ value: '45.155.205.9', scope: 'ip' });

    // Blocking what is already blocked answers the existing decision (200), not a second one.
    const again = await app.call('POST', '/v1/decisions', { key: analyst, body: { value: '91.240.118.1/24', reason: 'again', duration: '5h' } });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(cidr.body.id);

    const list = await app.call('GET', '/v1/decisions?jurisdiction=seoul-jongno&active=true', { key: analyst });
    expect(list.body.items.map((d) => d.value)).toEqual(['45.155.205.9', '2a0d:5600::1', '91.240.118.0/24']);
    const byValue = await app.call('GET', '/v1/decisions?value=2a0d:5600:0:0::1', { key: analyst });
    expect(byValue.body.items).toHaveLength(1);
    expect((await app.call('GET', `/v1/decisions/${v6.body.id}`, { key: analyst })).body.value).toBe('2a0d:5600::1');
  });

  it('an Idempotency-Key returns the same decision', async () => {
    const body = { value: '185.220.101.40', reason: 'tor exit scan', duration: '1h' };
    const headers = { 'idempotency-key': 'ticket-4242' };
    const a = await app.call('POST', '/v1/decisions', { key: analyst, body, headers });
    const b = await app.call('POST', '/v1/decisions', { key: analyst, body: { ...body, value: '185.220.101.41' }, headers });
    expect(a.status).toBe(201);
    expect(b.status).toBe(200);
    expect(b.body.id).toBe(a.body.id);
  });

  it('ids are decimal, exact as JSON numbers, time-ordered, and not sequential', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) ids.push((await app.call('POST', '/v1/decisions', { key: analyst, body: { value: `185.220.102.${i + 1}`, reason: 'id test', duration: '1h' } })).body.id);
    for (const id of ids) {
      expect(id).toMatch(/^\d{1,16}$/);
      expect(Number.isSafeInteger(Number(id))).toBe(true); // CrowdSec bouncers get it as a JSON number
    }
    const n = ids.map(Number);
    // Made one after another: later ids are larger (listing newest first needs no other index)...
    for (let i = 1; i < n.length; i++) expect(n[i]).toBeGreaterThan(n[i - 1]);
    // ...but neighbours are not consecutive, and their gaps follow no pattern.
    const gaps = n.slice(1).map((x, i) => x - n[i]);
    expect(gaps.filter((g) => g === 1)).toEqual([]);
    expect(new Set(gaps).size).toBeGreaterThan(gaps.length / 2);
    const listed = await app.call('GET', '/v1/decisions?limit=12', { key: analyst });
    expect(listed.body.items.map((d) => d.id)).toEqual([...ids].reverse());
    // A random id that another process drew first is never overwritten: the insert answers 'taken'.
    const store = app.app.get(DecisionsStore);
    const first = (await decisions.get(ids[0]))!;
    const clash = await store.insert({ ...first, value: '185.220.103.1' }, { allowlistVersion: '*', allowlistVersionKey: app.app.get(AllowlistStore).versionKey });
    expect(clash).toEqual({ kind: 'taken' });
    expect((await decisions.get(ids[0]))?.value).toBe('185.220.102.1');
  });

  it('refuses allowlisted values from every path, with a readable reason', async () => {
    const add = await app.call('POST', '/v1/allowlist', { key: analyst, body: { value: '77.88.55.7', reason: 'partner SOC' } });
    expect(add.status).toBe(201);
    expect(add.body.entry).toMatchObject({ value: '77.88.55.7', jurisdiction: 'seoul-jongno', reason: 'partner SOC' });

    // Manual, through the API: 409 problem+json.
    const manual = await app.call('POST', '/v1/decisions', { key: analyst, body: { value: '77.88.55.0/24', reason: 'x', duration: '1h' } });
    expect(manual.status).toBe(409);
    expect(manual.headers.get('content-type')).toContain('application/problem+json');
    expect(manual.problem.detail).toBe('77.88.55.0/24 overlaps allowlist entry 77.88.55.7 (partner SOC)');

    // A playbook calling the service.
    const playbook = await decisions.ban({ value: '77.88.55.7', jurisdiction: 'seoul-jongno', reason: 'rule ssh-bf', duration: '4h', score: 90, origin: { type: 'playbook', id: 'run-1' }, actor: { type: 'playbook-run', id: 'run-1' } });
    expect(playbook).toEqual({ ok: false, code: 'allowlisted', refused: '77.88.55.7 overlaps allowlist entry 77.88.55.7 (partner SOC)' });

    // Sharing: a decision forwarded from another jurisdiction goes through the same checks.
    const shared = await decisions.ban({ value: '8.8.8.8', jurisdiction: 'seoul-mapo', reason: 'shared by seoul', score: 70, origin: { type: 'shared', id: 'share-9', chain: ['seoul'] }, actor: { type: 'peer', id: 'seoul' } });
    expect(shared).toEqual({ ok: false, code: 'allowlisted', refused: '8.8.8.8 overlaps never-block range 8.8.8.8 (Google Public DNS)' });

    // The jurisdiction entry covers the jurisdiction (and below), not its siblings.
    const sibling = await decisions.ban({ value: '77.88.55.7', jurisdiction: 'seoul-mapo', reason: 'x', duration: '1h', origin: { type: 'shared', id: 's' }, actor: { type: 'peer', id: 'p' } });
    expect(sibling.ok).toBe(true);

    // Bundled and owned ranges, prefix policy.
    const cases: Array<[string, number, string]> = [
      ['10.11.3.4', 409, '10.11.3.4 overlaps jurisdiction network 10.11.0.0/16 (own network of seoul-jongno)'],
      ['10.13.0.9', 409, '10.13.0.9 overlaps jurisdiction network 10.13.0.0/16 (own network of seoul-mapo)'],
      ['192.168.1.1', 409, '192.168.1.1 overlaps never-block range 192.168.0.0/16 (private network (RFC 1918))'],
      ['168.126.63.1', 409, '168.126.63.1 overlaps never-block range 168.126.63.1 (KT DNS)'],
      ['2001:4860:4860::8888', 409, '2001:4860:4860::8888 overlaps never-block range 2001:4860:4860::8888 (Google Public DNS)'],
      ['ff02::1', 409, 'ff02::1 overlaps never-block range ff00::/8 (multicast (RFC 4291))'],
      ['168.126.0.0/16', 409, '168.126.0.0/16 overlaps never-block range 168.126.63.1 (KT DNS)'],
      ['45.0.0.0/8', 422, '45.0.0.0/8 is wider than allowed: IPv4 prefixes shorter than /16 are refused (blocklist.minPrefix.v4)'],
      ['0.0.0.0/0', 422, '0.0.0.0/0 would block every address; /0 is never allowed'],
      ['2a0d::/32', 422, '2a0d::/32 is wider than allowed: IPv6 prefixes shorter than /48 are refused (blocklist.minPrefix.v6)'],
    ];
    for (const [value, status, detail] of cases) {
      const r = await app.call('POST', '/v1/decisions', { key: analyst, body: { value, reason: 'x', duration: '1h' } });
      expect({ value, status: r.status, detail: r.problem.detail }).toEqual({ value, status, detail });
    }
    const bad = await app.call('POST', '/v1/decisions', { key: analyst, body: { value: '300.1.1.1', reason: 'x' } });
    expect(bad.status).toBe(400);
    expect(bad.problem.detail).toContain('body.value');

    // The detection port answers the same.
    const lookup = app.app.get<AllowlistLookup>(ALLOWLIST);
    expect(await lookup.check('77.88.55.7', 'seoul-jongno')).toEqual({ allowlisted: true, reason: '77.88.55.7 overlaps allowlist entry 77.88.55.7 (partner SOC)' });
    expect(await lookup.check('45.155.205.200', 'seoul-jongno')).toEqual({ allowlisted: false, reason: null });

    const check = await app.call('GET', '/v1/allowlist/check/1.1.1.1', { key: analyst });
    expect(check.body).toMatchObject({ ip: '1.1.1.1', jurisdiction: 'seoul-jongno', allowlisted: true, match: { source: 'bundled', reason: 'Cloudflare DNS' } });

    // Refusals are audited.
    const audit = await app.call('GET', '/v1/audit?jurisdiction=seoul-jongno&limit=1000');
    expect(audit.body.items.some((e) => e.action === 'decision.refused' && e.target.id === '77.88.55.7' && e.actor.type === 'playbook-run')).toBe(true);
  });

  it('escalates repeat offenders: each ban within the look-back doubles, capped', async () => {
    const ban = () => decisions.ban({ value: '193.32.162.70', jurisdiction: 'seoul-gangnam', reason: 'recidive', duration: '1h', score: 60, origin: { type: 'playbook', id: 'run-x' }, actor: { type: 'playbook-run', id: 'run-x' } });
    const lengths: number[] = [];
    const repeats: number[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await ban();
      if (!r.ok) throw new Error(r.refused);
      expect(r.created).toBe(true);
      lengths.push(Date.parse(r.decision.expires) - Date.parse(r.decision.created));
      repeats.push(r.decision.repeat);
      const end = await decisions.end(r.decision.id, { actor: { type: 'system', id: 'test' }, reason: 'next round' });
      expect(end).toMatchObject({ ok: true, ended: true });
    }
    expect(repeats).toEqual([0, 1, 2, 3]);
    expect(lengths).toEqual([1 * H, 2 * H, 4 * H, 4 * H]);
    // Opting out keeps the asked duration but still counts the repeat.
    const plain = await decisions.ban({ value: '193.32.162.70', jurisdiction: 'seoul-gangnam', reason: 'manual', duration: '1h', escalate: false, origin: { type: 'manual', id: 'k' }, actor: { type: 'key', id: 'k' } });
    expect(plain).toMatchObject({ ok: true, decision: { repeat: 4 } });
    if (plain.ok) expect(Date.parse(plain.decision.expires) - Date.parse(plain.decision.created)).toBe(H);
  });

  it('unblocks with a reason, once, within scope, audited', async () => {
    const made = await app.call('POST', '/v1/decisions', { key: analyst, body: { value: '45.155.205.50', reason: 'x', duration: '1h' } });
    const mapo = await key(app, 'analyst', 'seoul-mapo');
    // Another district's decision answers exactly as a missing one: 404, no owner named.
    const foreign = await app.call('DELETE', `/v1/decisions/${made.body.id}?reason=nope`, { key: mapo });
    expect(foreign.status).toBe(404);
    expect(foreign.problem.detail).toBe(`decision ${made.body.id} does not exist`);
    expect(foreign.text).not.toContain('seoul-jongno');
    expect((await app.call('DELETE', `/v1/decisions/${made.body.id}`, { key: analyst })).status).toBe(400);
    const ended = await app.call('DELETE', `/v1/decisions/${made.body.id}`, { key: analyst, body: { reason: 'false positive' } });
    expect(ended.status).toBe(200);
    expect(ended.body).toMatchObject({ status: 'ended', ended: { reason: 'false positive', by: { type: 'key' } } });
    const twice = await app.call('DELETE', `/v1/decisions/${made.body.id}?reason=again`, { key: analyst });
    expect(twice.body.ended?.reason).toBe('false positive');
    expect((await app.call('DELETE', '/v1/decisions/99999999?reason=x', { key: analyst })).status).toBe(404);
    const audit = await app.call('GET', '/v1/audit?jurisdiction=seoul-jongno&limit=1000');
    expect(audit.body.items.filter((e) => e.target.id === made.body.id).map((e) => e.action)).toEqual(['decision.created', 'decision.ended']);
  });

  it('adding an allowlist entry ends the active decisions it covers; global entries are for hub admins', async () => {
    const inside = await decisions.ban({ value: '5.188.10.0/24', jurisdiction: 'seoul-jongno', reason: 'x', duration: '1h', origin: { type: 'playbook', id: 'r' }, actor: { type: 'playbook-run', id: 'r' } });
    const below = await decisions.ban({ value: '5.188.10.8', jurisdiction: 'seoul-mapo', reason: 'x', duration: '1h', origin: { type: 'playbook', id: 'r' }, actor: { type: 'playbook-run', id: 'r' } });
    const outside = await decisions.ban({ value: '5.188.11.8', jurisdiction: 'seoul-mapo', reason: 'x', duration: '1h', origin: { type: 'playbook', id: 'r' }, actor: { type: 'playbook-run', id: 'r' } });
    if (!inside.ok || !below.ok || !outside.ok) throw new Error('setup');

    const seoulAdmin = await key(app, 'admin', 'seoul');
    expect((await app.call('POST', '/v1/allowlist', { key: seoulAdmin, body: { value: '5.188.10.8', reason: 'cdn', global: true } })).status).toBe(403);
    expect((await app.call('POST', '/v1/allowlist', { key: analyst, body: { value: '5.188.10.8', reason: 'cdn', jurisdiction: 'seoul-mapo' } })).status).toBe(403);

    const added = await app.call('POST', '/v1/allowlist', { body: { value: '5.188.10.8', reason: 'partner CDN', global: true, expires: '30d' } });
    expect(added.status).toBe(201);
    expect(added.body.entry.jurisdiction).toBeNull();
    expect(added.body.ended.sort()).toEqual([inside.decision.id, below.decision.id].sort());
    const gone = await decisions.get(inside.decision.id);
    expect(gone?.ended).toMatchObject({ reason: 'covered by allowlist entry 5.188.10.8 (partner CDN)', by: { type: 'key' } });
    expect((await decisions.findActive('5.188.11.8', 'seoul-mapo'))?.id).toBe(outside.decision.id);

    const listed = await app.call('GET', '/v1/allowlist?bundled=true', { key: analyst });
    expect(listed.body.items.map((e) => e.value)).toEqual(expect.arrayContaining(['77.88.55.7', '5.188.10.8']));
    expect(listed.body.bundled?.length).toBeGreaterThan(30);

    expect((await app.call('DELETE', `/v1/allowlist/${added.body.entry.id}?reason=x`, { key: analyst })).status).toBe(403);
    const removed = await app.call('DELETE', `/v1/allowlist/${added.body.entry.id}`, { body: { reason: 'contract ended' } });
    expect(removed.status).toBe(200);
    expect((await decisions.ban({ value: '5.188.10.8', jurisdiction: 'seoul-mapo', reason: 'x', duration: '1h', origin: { type: 'manual', id: 'k' }, actor: { type: 'key', id: 'k' } })).ok).toBe(true);

    const audit = await app.call('GET', '/v1/audit?limit=1000');
    const actions = audit.body.items.map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['allowlist.added', 'allowlist.removed']));
  });
});
