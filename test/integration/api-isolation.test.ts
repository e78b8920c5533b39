import type { OpenApiOperation } from '../helpers/api';
import { ADMIN_KEY, eventually, startTestApp, type TestApp } from '../helpers/app';

/**
 * The isolation matrix: every endpoint in /openapi.json, called with each role's key of one
 * district (seoul-jongno), must neither show nor touch what belongs to another province's city
 * (gyeonggi-suwon). The foreign data is made by the hub admin through the API; the matrix is read
 * from the OpenAPI document, so an endpoint added later is covered without editing this file.
 */
const OWN = 'seoul-jongno';
const FOREIGN = 'gyeonggi-suwon';
const FOREIGN_IP = '91.240.118.55';
const FOREIGN_ALLOW = '91.240.119.0/24';
const ROLES = ['admin', 'analyst', 'sensor', 'feed'] as const;

type Op = { method: string; path: string; op: OpenApiOperation };

function eve(src: string, n: number): string {
  const now = Date.now();
  return Array.from({ length: n }, (_, k) =>
    JSON.stringify({
      timestamp: new Date(now - (n - k) * 1000).toISOString(),
      event_type: 'alert',
      src_ip: src,
      src_port: 41000 + k,
      dest_ip: '10.21.0.9',
      dest_port: 22,
      proto: 'TCP',
      alert: { action: 'allowed', signature_id: 2001219, signature: 'ET SCAN Potential SSH Scan', category: 'Attempted Information Leak', severity: 2 },
    }),
  ).join('\n');
}

describe('jurisdiction isolation across every endpoint', () => {
  let app: TestApp;
  let ops: Op[];
  const keys: Record<string, string> = {};
  const foreign: { decisionId?: string; allowId?: string; shareId?: string; keyId?: string } = {};

  const as = (role: string) => keys[role];
  /** Fills path parameters with the foreign objects' ids (and our own jurisdiction for feeds). */
  const fill = (p: string, jurisdiction: string) =>
    p
      .replace('{jurisdiction}', jurisdiction)
      .replace('{ip}', FOREIGN_IP)
      .replace(/\{(id)\}/, () => (p.startsWith('/v1/decisions') ? foreign.decisionId : p.startsWith('/v1/allowlist') ? foreign.allowId : p.startsWith('/v1/shares') ? foreign.shareId : p.startsWith('/v1/keys') ? foreign.keyId : 'x') ?? 'x')
      .replace(/\{[^}]+\}/g, 'x');

  beforeAll(async () => {
    app = await startTestApp();
    for (const role of ROLES) {
      const r = await app.call('POST', '/v1/keys', { body: { role, jurisdiction: OWN, name: `iso ${role}` } });
      expect(r.status).toBe(201);
      keys[role] = r.body.key;
    }
    // The foreign city's data, made by the hub.
    const d = await app.call('POST', '/v1/decisions', { body: { value: FOREIGN_IP, jurisdiction: FOREIGN, duration: '2h', reason: 'suwon: brute force' } });
    expect(d.status).toBe(201);
    foreign.decisionId = d.body.id;
    const a = await app.call('POST', '/v1/allowlist', { body: { value: FOREIGN_ALLOW, jurisdiction: FOREIGN, reason: 'suwon partner' } });
    expect(a.status).toBe(201);
    foreign.allowId = a.body.entry.id;
    const ing = await app.call('POST', `/v1/ingest?format=suricata-eve&jurisdiction=${FOREIGN}`, { raw: eve(FOREIGN_IP, 30), headers: { 'content-type': 'application/x-ndjson' } });
    expect(ing.status).toBe(202);
    const s = await app.call('POST', '/v1/shares', { body: { value: FOREIGN_IP, from: FOREIGN, to: ['gyeonggi-seongnam'], tlp: 'AMBER', score: 90, reason: 'suwon to seongnam' } });
    expect(s.status).toBeLessThan(300);
    foreign.shareId = s.body.shareId;
    const k = await app.call('POST', '/v1/keys', { body: { role: 'analyst', jurisdiction: FOREIGN, name: 'suwon analyst' } });
    foreign.keyId = k.body.record.id;
    expect(Object.values(foreign).every((v) => typeof v === 'string' || typeof v === 'number')).toBe(true);
    expect(Object.keys(foreign)).toHaveLength(4);
    // The hub does see the foreign alerts once stored: the data the matrix must not leak exists.
    await eventually(async () => (await app.call('GET', `/v1/alerts?jurisdiction=${FOREIGN}&limit=5`)).body.items?.length > 0);

    const doc = (await app.call('GET', '/openapi.json', { key: null })).body;
    ops = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods)
        .filter(([m]) => ['get', 'post', 'put', 'delete'].includes(m))
        .map(([method, op]) => ({ method: method.toUpperCase(), path, op })),
    );
    expect(ops.length).toBeGreaterThan(30);
  }, 60_000);

  afterAll(async () => {
    await app?.close();
  });

  it('naming a foreign jurisdiction is refused (403) on every endpoint that takes one, for every role', async () => {
    const named = ops.filter(({ path, op }) => path.includes('{jurisdiction}') || (op.parameters ?? []).some((p) => p.name === 'jurisdiction'));
    expect(named.length).toBeGreaterThan(8);
    const leaks: string[] = [];
    let refused = 0;
    for (const { method, path } of named) {
      if (path.endsWith('/events')) continue; // an SSE stream; scoped like GET /v1/decisions (checked below)
      for (const role of ROLES) {
        const url = fill(path, FOREIGN) + (path.includes('{jurisdiction}') ? '' : `${path.includes('?') ? '&' : '?'}jurisdiction=${FOREIGN}`);
        const r = await app.call(method, url, { key: as(role), body: method === 'GET' || method === 'DELETE' ? undefined : { reason: 'iso', value: '45.155.205.200', jurisdiction: FOREIGN } });
        if (r.status < 400) leaks.push(`${method} ${url} as ${role} → ${r.status}`);
        else {
          expect([401, 403, 404, 400, 405, 413, 415]).toContain(r.status);
          if (r.status === 403) refused++;
          expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        }
      }
    }
    expect(leaks).toEqual([]);
    expect(refused).toBeGreaterThan(named.length); // most calls are refused as forbidden, not merely malformed
  }, 120_000);

  it('no response to a district key contains the foreign IP, range or ids, on any readable endpoint', async () => {
    // /metrics and /health are the deployment operator's (unauthenticated, counts by jurisdiction label).
    const operator = ['/metrics', '/health', '/openapi.json'];
    const gets = ops.filter(({ method, path }) => method === 'GET' && !path.endsWith('/events') && !path.startsWith('/docs') && !path.startsWith('/ui') && !operator.includes(path));
    const seen: string[] = [];
    let ok = 0;
    for (const { path } of gets) {
      for (const role of ROLES) {
        const url = fill(path, OWN);
        const r = await app.call('GET', url, { key: as(role) });
        if (r.status >= 300) continue;
        ok++;
        // The foreign objects' reasons, range and key id; the IP itself too, unless the URL names it.
        const secrets = ['suwon: brute force', 'suwon partner', 'suwon to seongnam', 'suwon analyst', FOREIGN_ALLOW, foreign.keyId!, foreign.shareId!];
        if (!path.includes('{ip}')) secrets.push(FOREIGN_IP);
        for (const secret of secrets) if (r.text.includes(secret)) seen.push(`GET ${url} as ${role} shows ${secret}`);
      }
    }
    expect(seen).toEqual([]);
    expect(ok).toBeGreaterThan(15); // the matrix really read data
    // /v1/ips/:ip of an IP only the foreign city saw: nothing for the district.
    const profile = await app.call('GET', `/v1/ips/${FOREIGN_IP}`, { key: as('analyst') });
    if (profile.status === 200) expect(profile.body).toMatchObject({ jurisdictions: [], decisions: [] });
    else expect(profile.status).toBe(404);
    // The control: the hub sees the same things.
    expect((await app.call('GET', `/v1/decisions?value=${FOREIGN_IP}`, { key: ADMIN_KEY })).text).toContain(FOREIGN_IP);
    expect((await app.call('GET', `/v1/ips/${FOREIGN_IP}`, { key: ADMIN_KEY })).status).toBe(200);
  }, 120_000);

  it("cannot read, end, revoke or delete another jurisdiction's objects by id, nor learn that they exist", async () => {
    // Each foreign id must answer exactly as an id that does not exist: 404, same detail, no owner named.
    const tries: Array<[string, string, string, unknown]> = [
      ['GET', `/v1/decisions/${foreign.decisionId}`, '/v1/decisions/1234567890123', undefined],
      ['DELETE', `/v1/decisions/${foreign.decisionId}?reason=iso`, '/v1/decisions/1234567890123?reason=iso', undefined],
      ['DELETE', `/v1/allowlist/${foreign.allowId}?reason=iso`, '/v1/allowlist/al_000000000000?reason=iso', undefined],
      ['GET', `/v1/shares/${foreign.shareId}`, '/v1/shares/sh_missing', undefined],
      ['POST', `/v1/shares/${foreign.shareId}/revoke`, '/v1/shares/sh_missing/revoke', { reason: 'iso' }],
      ['DELETE', `/v1/keys/${foreign.keyId}`, '/v1/keys/000000000000', undefined],
    ];
    const idOf = (url: string) => url.split('?')[0].split('/')[3];
    for (const [method, url, missingUrl, body] of tries) {
      for (const role of ['admin', 'analyst'] as const) {
        if (url.startsWith('/v1/keys') && role !== 'admin') continue;
        const r = await app.call(method, url, { key: as(role), body });
        const missing = await app.call(method, missingUrl, { key: as(role), body });
        expect([`${method} ${url} as ${role}`, r.status]).toEqual([`${method} ${url} as ${role}`, 404]);
        expect(missing.status).toBe(404);
        expect(r.problem.detail?.replace(idOf(url), '<id>')).toBe(missing.problem.detail?.replace(idOf(missingUrl), '<id>'));
        expect(r.text).not.toContain(FOREIGN);
      }
    }
    // Nothing moved.
    const d = await app.call('GET', `/v1/decisions/${foreign.decisionId}`);
    expect(d.body.status).toBe('active');
    expect((await app.call('GET', `/v1/allowlist?jurisdiction=${FOREIGN}`)).text).toContain(FOREIGN_ALLOW);
    expect((await app.call('GET', `/v1/keys?jurisdiction=${FOREIGN}`)).text).toContain(foreign.keyId);
  });

  it('the decision event stream of a district carries only its own decisions', async () => {
    const ctl = new AbortController();
    const res = await fetch(`${app.base}/v1/decisions/events`, { headers: { 'x-api-key': as('analyst') }, signal: ctl.signal });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    let text = '';
    const reading = (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        text += Buffer.from(value).toString('utf8');
      }
    })().catch(() => undefined);
    await app.call('POST', '/v1/decisions', { body: { value: '45.155.205.201', jurisdiction: FOREIGN, duration: '1h', reason: 'suwon only' } });
    await app.call('POST', '/v1/decisions', { body: { value: '45.155.205.202', jurisdiction: OWN, duration: '1h', reason: 'jongno' } });
    await eventually(async () => text.includes('45.155.205.202'));
    ctl.abort();
    await reading;
    expect(text).not.toContain('45.155.205.201');
  });
});
