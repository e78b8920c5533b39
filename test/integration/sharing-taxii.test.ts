import { mkdtempSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stixBundleProblems, type StixObject } from '../../src/blocklist/feeds/stix';
import { parseNet } from '../../src/contracts/net';
import { TLP_MARKING_IDS } from '../../src/contracts/tlp';
import { TaxiiError } from '../../src/sharing/taxii/taxii.schemas';
import type { ReplyTo } from '../helpers/api';
import { ADMIN_KEY, startTestApp, type TestApp } from '../helpers/app';

/**
 * TAXII 2.1 server, checked against the specification (OASIS TAXII 2.1, 2021): the required
 * properties of each resource, the media type, the X-TAXII-Date-Added-First/Last headers,
 * added_after / limit / next paging, manifests, error messages, and feed-key auth (Basic, Bearer).
 */
const MEDIA = 'application/taxii+json;version=2.1';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const DATE_ADDED = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

let app: TestApp;
let feedKey: string;
const basic = (key: string) => ({ authorization: `Basic ${Buffer.from(`paloalto:${key}`).toString('base64')}` });
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const taxii = <U extends string>(url: U, headers: Record<string, string> = bearer(feedKey)) => app.call('GET', url, { key: null, headers: { accept: MEDIA, ...headers } });
const ROOT = '/taxii2/gwanje';
const share = (body: Record<string, unknown>) => app.call('POST', '/v1/shares', { body: { from: 'klid', to: ['seoul'], score: 90, reason: 'scanner', ...body } });

beforeAll(async () => {
  app = await startTestApp({ playbooks: { dir: mkdtempSync(path.join(tmpdir(), 'gw-taxii-pb-')) } });
  feedKey = (await app.call('POST', '/v1/keys', { body: { role: 'feed', jurisdiction: 'klid', name: 'opencti' } })).body.key;
}, 60_000);
afterAll(() => app?.close());

describe('TAXII 2.1', () => {
  it('discovery and API root: required properties, media type, Basic auth', async () => {
    const d = await taxii('/taxii2/', basic(feedKey));
    expect(d.status).toBe(200);
    expect(d.headers.get('content-type')).toBe(MEDIA);
    expect(typeof d.body.title).toBe('string'); // title: required
    expect(d.body.api_roots).toEqual([`${app.base}${ROOT}/`]);
    expect(d.body.default).toBe(`${app.base}${ROOT}/`);
    const r = await taxii(`${ROOT}/`, basic(feedKey));
    expect(r.headers.get('content-type')).toBe(MEDIA);
    expect(r.body).toMatchObject({ title: expect.any(String), versions: [MEDIA], max_content_length: expect.any(Number) }); // all required
    expect(Number.isInteger(r.body.max_content_length)).toBe(true);
  });

  it('auth, Accept and errors as TAXII error messages', async () => {
    const none = await app.call('GET', '/taxii2/', { key: null, headers: { accept: MEDIA } });
    expect(none.status).toBe(401);
    expect(none.headers.get('content-type')).toBe(MEDIA);
    expect(none.body).toMatchObject({ title: expect.any(String), http_status: '401' });
    expect(TaxiiError.safeParse(none.body).success).toBe(true); // the spec's error message resource
    expect((await taxii('/taxii2/', bearer('wrong-key-0123456789'))).status).toBe(401);
    const sensor = (await app.call('POST', '/v1/keys', { body: { role: 'sensor', jurisdiction: 'klid' } })).body.key;
    expect((await taxii('/taxii2/', bearer(sensor))).status).toBe(403);
    expect((await taxii('/taxii2/', { ...bearer(feedKey), accept: 'application/json' })).status).toBe(406);
    expect((await taxii('/taxii2/', { ...bearer(feedKey), accept: 'application/taxii+json;version=2.0' })).status).toBe(406);
    expect((await taxii('/taxii2/', { ...bearer(feedKey), accept: 'application/taxii+json' })).status).toBe(200);
    const missing = await taxii(`${ROOT}/collections/00000000-0000-4000-8000-000000000000/`);
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ title: 'Not Found', http_status: '404', description: expect.any(String) });
    expect((await taxii('/taxii2/other-root/')).status).toBe(404);
  });

  it('collections: one per jurisdiction, a feed key sees its own only', async () => {
    const c = await taxii(`${ROOT}/collections/`);
    expect(c.status).toBe(200);
    expect(c.headers.get('content-type')).toBe(MEDIA);
    expect(c.body.collections).toHaveLength(1);
    const [klid] = c.body.collections ?? [];
    expect(klid).toEqual({ id: expect.stringMatching(UUID), title: expect.any(String), description: expect.any(String), alias: 'klid', can_read: true, can_write: false, media_types: ['application/stix+json;version=2.1'] });
    expect((await taxii(`${ROOT}/collections/${klid.id}/`)).body).toEqual(klid);
    // The admin key (a hub's) sees every jurisdiction's collection; the feed key cannot open Seoul's.
    const all = await taxii(`${ROOT}/collections/`, { 'x-api-key': 'test-admin-key-0123456789abcdef' });
    expect(all.body.collections?.map((x) => x.alias).sort()).toEqual(['gyeonggi', 'gyeonggi-seongnam', 'gyeonggi-suwon', 'klid', 'seoul', 'seoul-gangnam', 'seoul-jongno', 'seoul-mapo']);
    const seoul = all.body.collections?.find((x) => x.alias === 'seoul');
    expect((await taxii(`${ROOT}/collections/${seoul?.id}/objects/`)).status).toBe(404);
  });

  it('objects: envelope, STIX indicators, date-added headers, added_after / limit / next, manifest, revocation as a new version', async () => {
    const green = await share({ value: '198.51.100.70', tlp: 'GREEN' });
    const amber = await share({ value: '2001:db8:70::/48', tlp: 'AMBER' });
    await share({ value: '198.51.100.71', tlp: 'RED' }); // never pulled
    await share({ value: '198.51.100.72', tlp: 'AMBER+STRICT' }); // not for pull-based partners
    const objectsUrl = `${ROOT}/collections/klid/objects/`;
    const all = await taxii(objectsUrl);
    expect(all.status).toBe(200);
    expect(all.headers.get('content-type')).toBe(MEDIA);
    expect(all.body.more).toBe(false);
    expect(all.body.next).toBeUndefined();
    // The TLP 2.0 marking definitions the indicators reference come first (fixed date added), then the indicators.
    expect(all.body.objects?.slice(0, 3).map((o) => [o.type, o.id, o.name])).toEqual([
      ['marking-definition', TLP_MARKING_IDS.CLEAR, 'TLP:CLEAR'],
      ['marking-definition', TLP_MARKING_IDS.GREEN, 'TLP:GREEN'],
      ['marking-definition', TLP_MARKING_IDS.AMBER, 'TLP:AMBER'],
    ]);
    expect(all.body.objects?.slice(3).map((o) => o.x_gwanje_share_id)).toEqual([green.body.shareId, amber.body.shareId]);
    expect(stixBundleProblems({ type: 'bundle', id: 'bundle--6d9e1a2f-0b3c-4d5e-8f70-1a2b3c4d5e6f', objects: all.body.objects }, parseNet, Object.values(TLP_MARKING_IDS))).toEqual([]);
    const [g, a] = all.body.objects?.slice(3) ?? [];
    expect(g).toMatchObject({ type: 'indicator', spec_version: '2.1', pattern: "[ipv4-addr:value = '198.51.100.70']", pattern_type: 'stix', indicator_types: ['malicious-activity'], confidence: 90, object_marking_refs: [TLP_MARKING_IDS.GREEN], x_gwanje_chain: ['klid'] });
    expect(a).toMatchObject({ pattern: "[ipv6-addr:value = '2001:db8:70::/48']", object_marking_refs: [TLP_MARKING_IDS.AMBER] });
    expect(g.revoked).toBeUndefined();

    const manifest = await taxii(`${ROOT}/collections/klid/manifest/`);
    expect(manifest.status).toBe(200);
    expect(manifest.headers.get('content-type')).toBe(MEDIA);
    expect(manifest.body.objects?.slice(0, 3)).toEqual(
      all.body.objects?.slice(0, 3).map((m) => ({ id: m.id, date_added: expect.stringMatching(/^2022-10-01T00:00:00\.00000[012]Z$/), version: m.created, media_type: 'application/stix+json;version=2.1' })),
    );
    expect(manifest.body.objects?.slice(3)).toEqual([
      { id: g.id, date_added: expect.stringMatching(DATE_ADDED), version: g.modified, media_type: 'application/stix+json;version=2.1' },
      { id: a.id, date_added: expect.stringMatching(DATE_ADDED), version: a.modified, media_type: 'application/stix+json;version=2.1' },
    ]);
    const [first, last] = manifest.body.objects?.slice(3).map((m) => m.date_added) ?? [];
    expect(first < last).toBe(true);
    for (const r of [all, manifest]) {
      expect(r.headers.get('x-taxii-date-added-first')).toBe(manifest.body.objects?.[0].date_added);
      expect(r.headers.get('x-taxii-date-added-last')).toBe(last);
    }

    // limit and next: one object per page, the type filter applied before paging.
    const p1 = await taxii(`${objectsUrl}?limit=1&match[type]=indicator`);
    expect(p1.body).toMatchObject({ more: true, next: expect.any(String), objects: [{ id: g.id }] });
    expect(p1.headers.get('x-taxii-date-added-first')).toBe(first);
    expect(p1.headers.get('x-taxii-date-added-last')).toBe(first);
    const p2 = await taxii(`${objectsUrl}?limit=1&match[type]=indicator&next=${p1.body.next}`);
    expect(p2.body).toMatchObject({ more: false, objects: [{ id: a.id }] });
    expect(p2.body.next).toBeUndefined();
    // added_after is exclusive; past the last object the envelope is empty (no objects, no date headers).
    const after = await taxii(`${objectsUrl}?added_after=${first}`);
    expect(after.body.objects?.map((o) => o.id)).toEqual([a.id]);
    const empty = await taxii(`${objectsUrl}?added_after=${last}`);
    expect(empty.status).toBe(200);
    expect(empty.body).toEqual({ more: false });
    expect(empty.headers.get('x-taxii-date-added-first')).toBeNull();
    expect((await taxii(`${objectsUrl}?added_after=yesterday`)).status).toBe(400);
    // match[] filters and the object endpoint.
    expect((await taxii(`${objectsUrl}?match[id]=${a.id}`)).body.objects?.map((o) => o.id)).toEqual([a.id]);
    expect((await taxii(`${objectsUrl}?match[type]=malware`)).body.objects).toBeUndefined();
    expect((await taxii(`${objectsUrl}?match[spec_version]=2.1`)).body.objects).toHaveLength(5);
    expect((await taxii(`${objectsUrl}?match[type]=marking-definition`)).body.objects?.map((o) => o.id)).toEqual([TLP_MARKING_IDS.CLEAR, TLP_MARKING_IDS.GREEN, TLP_MARKING_IDS.AMBER]);
    expect((await taxii(`${objectsUrl}${TLP_MARKING_IDS.GREEN}/`)).body.objects).toEqual([all.body.objects?.[1]]);
    const one = await taxii(`${objectsUrl}${g.id}/`);
    expect(one.body).toMatchObject({ more: false, objects: [{ id: g.id }] });
    expect((await taxii(`${objectsUrl}indicator--00000000-0000-4000-8000-000000000000/`)).status).toBe(404);

    // A revoked share comes back as a newer version of the same object, revoked, added after the rest.
    expect((await app.call('POST', `/v1/shares/${green.body.shareId}/revoke`, { body: { reason: 'false positive' } })).status).toBe(200);
    const changed = await taxii(`${objectsUrl}?added_after=${last}`);
    expect(changed.body.objects).toHaveLength(1);
    expect(changed.body.objects?.[0]).toMatchObject({ id: g.id, revoked: true });
    expect((changed.body.objects?.[0].modified ?? '') > (g.modified ?? '')).toBe(true);
    const m2 = await taxii(`${ROOT}/collections/klid/manifest/?added_after=${last}`);
    expect(m2.body.objects).toEqual([{ id: g.id, date_added: expect.stringMatching(DATE_ADDED), version: changed.body.objects?.[0].modified, media_type: 'application/stix+json;version=2.1' }]);
    expect((m2.body.objects?.[0].date_added ?? '') > last).toBe(true);
  });
});

/** A GET of TAXII discovery with exactly these headers (fetch will not send a forged Host). */
function rawGet(base: string, path: '/taxii2/', headers: Record<string, string>): Promise<{ status: number; body: ReplyTo<'GET', '/taxii2/'> }> {
  return new Promise((resolve, reject) => {
    const req = http.request(base + path, { method: 'GET', headers }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(Buffer.concat(parts).toString('utf8')) }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('TAXII 2.1: absolute URLs never come from the Host header', () => {
  const headers = () => ({ accept: MEDIA, authorization: `Bearer ${feedKey}` });

  it('a forged Host (or X-Forwarded-Host from a client that is no trusted proxy) is not echoed into api_roots', async () => {
    const d = await rawGet(app.base, '/taxii2/', { ...headers(), host: 'evil.example', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' });
    expect(d.status).toBe(200);
    expect(JSON.stringify(d.body)).not.toContain('evil');
    expect(d.body.api_roots).toEqual([`${app.base}${ROOT}/`]);
  });

  it('server.publicUrl names the roots; a trusted proxy\'s X-Forwarded-Host/-Proto do when it is unset', async () => {
    const configured = await startTestApp({ server: { publicUrl: 'https://gwanje.example.go.kr' }, playbooks: { dir: mkdtempSync(path.join(tmpdir(), 'gw-taxii-pb-')) } });
    const proxied = await startTestApp({ server: { trustedProxies: ['127.0.0.1'] }, playbooks: { dir: mkdtempSync(path.join(tmpdir(), 'gw-taxii-pb-')) } });
    try {
      const admin = { accept: MEDIA, 'x-api-key': ADMIN_KEY };
      const a = await rawGet(configured.base, '/taxii2/', { ...admin, host: 'evil.example', 'x-forwarded-host': 'evil.example' });
      expect(a.body).toMatchObject({ default: 'https://gwanje.example.go.kr/taxii2/gwanje/', api_roots: ['https://gwanje.example.go.kr/taxii2/gwanje/'] });
      const b = await rawGet(proxied.base, '/taxii2/', { ...admin, host: 'internal:8080', 'x-forwarded-host': 'taxii.seoul.go.kr', 'x-forwarded-proto': 'https' });
      expect(b.body.api_roots).toEqual(['https://taxii.seoul.go.kr/taxii2/gwanje/']);
    } finally {
      await configured.close();
      await proxied.close();
    }
  }, 60_000);
});

describe('TAXII 2.1: filters before paging, objects by id past the first page', () => {
  const url = `${ROOT}/collections/gyeonggi/objects/`;
  const admin = { 'x-api-key': ADMIN_KEY };
  const shares: string[] = [];

  beforeAll(async () => {
    for (let i = 0; i < 130; i++) {
      const r = await app.call('POST', '/v1/shares', { body: { from: 'gyeonggi', to: ['gyeonggi-suwon'], score: 80, reason: `paging ${i}`, value: `203.0.113.${i + 1}`, tlp: 'GREEN' } });
      expect(r.status).toBe(201);
      shares.push(r.body.shareId);
    }
  }, 120_000);

  const indicatorIdOf = async (shareId: string) => {
    const all: StixObject[] = [];
    for (let next: string | undefined, pages = 0; pages < 10; pages++) {
      const r = await taxii(`${url}?match[type]=indicator&limit=1000${next ? `&next=${next}` : ''}`, admin);
      all.push(...(r.body.objects ?? []));
      if (!r.body.more) break;
      next = r.body.next;
    }
    const found = all.find((o) => o.x_gwanje_share_id === shareId);
    if (!found) throw new Error(`no indicator for ${shareId}`);
    return found.id;
  };

  it('an object after the 100th answers by id, and so does a revoked share that moved to the end', async () => {
    const late = await indicatorIdOf(shares[120]);
    const one = await taxii(`${url}${late}/`, admin);
    expect(one.status).toBe(200);
    expect(one.body).toEqual({ more: false, objects: [expect.objectContaining({ id: late, x_gwanje_share_id: shares[120] })] });

    const early = await indicatorIdOf(shares[0]);
    expect((await app.call('POST', `/v1/shares/${shares[0]}/revoke`, { body: { reason: 'false positive' } })).status).toBe(200);
    const revoked = await taxii(`${url}${early}/`, admin);
    expect(revoked.status).toBe(200);
    expect(revoked.body.objects).toEqual([expect.objectContaining({ id: early, revoked: true })]);
    // The manifest lists it, and the object endpoint agrees with it.
    const manifest = await taxii(`${ROOT}/collections/gyeonggi/manifest/?match[id]=${early}`, admin);
    expect(manifest.body.objects).toEqual([expect.objectContaining({ id: early, version: revoked.body.objects?.[0].modified })]);
  });

  it('match[id] and match[type] select before the page is cut: no empty page with more: true', async () => {
    const late = await indicatorIdOf(shares[125]);
    const byId = await taxii(`${url}?match[id]=${late}`, admin);
    expect(byId.body).toEqual({ more: false, objects: [expect.objectContaining({ id: late })] });
    const malware = await taxii(`${url}?match[type]=malware`, admin);
    expect(malware.body).toEqual({ more: false });
    // Pages of indicators only: each full, the last one says no more.
    const sizes: number[] = [];
    let next: string | undefined;
    do {
      const r = await taxii(`${url}?match[type]=indicator&limit=50${next ? `&next=${next}` : ''}`, admin);
      sizes.push(r.body.objects?.length ?? 0);
      next = r.body.more ? r.body.next : undefined;
    } while (next && sizes.length < 10);
    expect(sizes).toEqual([50, 50, 30]);
  });

  it('errors are TAXII error messages in the TAXII media type', async () => {
    for (const [path, status] of [[`${url}?added_after=yesterday`, 400], [`${url}indicator--00000000-0000-4000-8000-000000000000/`, 404], [`${ROOT}/collections/gyeonggi/nothing/`, 404]] as const) {
      const r = await taxii(path, admin);
      expect(r.status).toBe(status);
      expect(r.headers.get('content-type')).toBe(MEDIA);
      expect(r.body).toEqual({ title: expect.any(String), description: expect.any(String), http_status: String(status) });
    }
  });
});
