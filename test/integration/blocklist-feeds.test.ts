import http from 'node:http';
import { gunzipSync } from 'node:zlib';
import Redis from 'ioredis';
import { DecisionsService } from '../../src/blocklist/decisions.service';
import type { BanInput } from '../../src/blocklist/decisions.schemas';
import { stixBundleProblems, type StixObject } from '../../src/blocklist/feeds/stix';
import { parseNet } from '../../src/contracts/net';
import { ADMIN_KEY, startTestApp, type TestApp } from '../helpers/app';

/** A plain HTTP request: exact headers both ways, body bytes as sent (no transparent decompression). */
function raw(base: string, method: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request(base + path, { method, headers }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(parts) }));
    });
    req.on('error', reject);
    req.end();
  });
}
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
type StixBundle = { type: string; id: string; objects: StixObject[] };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The OASIS TLP 2.0 marking-definition ids (domain.md), written out rather than taken from the code under test. */
const OFFICIAL_TLP2 = {
  CLEAR: 'marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487',
  GREEN: 'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb',
  AMBER: 'marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421',
  'AMBER+STRICT': 'marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003',
  RED: 'marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1',
};

describe('IP block feeds', () => {
  let app: TestApp;
  let decisions: DecisionsService;
  let feedKey: string;
  let redis: Redis;
  const ban = async (value: string, over: Partial<BanInput> = {}) => {
    const r = await decisions.ban({ value, jurisdiction: 'seoul-jongno', reason: `reason for ${value}`, duration: '2h', score: 50, origin: { type: 'playbook', id: 'run-feeds' }, actor: { type: 'playbook-run', id: 'run-feeds' }, ...over });
    if (!r.ok) throw new Error(r.refused);
    return r.decision;
  };

  beforeAll(async () => {
    // No sweep during the test: feeds must drop expired decisions by themselves.
    app = await startTestApp({ blocklist: { sweepIntervalMs: 60_000 } });
    decisions = app.app.get(DecisionsService);
    feedKey = (await app.call('POST', '/v1/keys', { body: { role: 'feed', jurisdiction: 'seoul-jongno', name: 'pa-3220' } })).body.key;
    redis = new Redis(app.config.redis.url!);
  });
  afterAll(async () => {
    redis.disconnect();
    await app.close();
  });

  it('EDL: one entry per line with its reason, highest score first; max_entries and min_score', async () => {
    await ban('45.155.205.1', { score: 40, reason: 'SSH brute force' });
    await ban('91.240.118.0/24', { score: 90, reason: 'scanner network' });
    await ban('2a0d:5600::7', { score: 70, reason: 'web exploit\nattempts' });
    const r = await raw(app.base, 'GET', '/v1/feeds/seoul-jongno/edl.txt', bearer(feedKey));
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(r.body.toString()).toBe('91.240.118.0/24 # scanner network\n2a0d:5600::7 # web exploit attempts\n45.155.205.1 # SSH brute force\n');
    expect((await raw(app.base, 'GET', '/v1/feeds/seoul-jongno/edl.txt?max_entries=2&comments=false', bearer(feedKey))).body.toString()).toBe('91.240.118.0/24\n2a0d:5600::7\n');
    expect((await raw(app.base, 'GET', '/v1/feeds/seoul-jongno/edl.txt?min_score=70', bearer(feedKey))).body.toString().trim().split('\n')).toHaveLength(2);
    const bad = await raw(app.base, 'GET', '/v1/feeds/seoul-jongno/edl.txt?max_entries=0', bearer(feedKey));
    expect(bad.status).toBe(400);
  });

  it('FortiGate: fortigate.txt is one IP or CIDR per line and nothing else, even for Korean reasons', async () => {
    const korean = await ban('80.94.95.7', { score: 95, reason: '무차별 대입 공격 # SSH' });
    const basic = { authorization: `Basic ${Buffer.from(`fortigate:${feedKey}`).toString('base64')}` };
    const r = await raw(app.base, 'GET', '/v1/feeds/seoul-jongno/fortigate.txt', basic);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/plain; charset=utf-8');
    const lines = r.body.toString('utf8').split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.length).toBeGreaterThanOrEqual(4);
    for (const line of lines) expect(parseNet(line)?.text).toBe(line); // a bare canonical address or CIDR: no '#', no spaces, ASCII only
    expect(lines[0]).toBe('80.94.95.7');
    // The same validators as edl.txt?comments=false, and the same bytes.
    const bare = await raw(app.base, 'GET', '/v1/feeds/seoul-jongno/edl.txt?comments=false', basic);
    expect(bare.body.equals(r.body)).toBe(true);
    expect((await raw(app.base, 'GET', '/v1/feeds/seoul-jongno/fortigate.txt', { ...basic, 'if-none-match': r.headers.etag! })).status).toBe(304);
    // Comments cannot be turned back on; max_entries (FortiOS caps entries per model) still applies.
    expect((await raw(app.base, 'GET', '/v1/feeds/seoul-jongno/fortigate.txt?comments=true', basic)).status).toBe(400);
    expect((await raw(app.base, 'GET', '/v1/feeds/seoul-jongno/fortigate.txt?max_entries=1', basic)).body.toString()).toBe('80.94.95.7\n');
    await decisions.end(korean.id, { actor: { type: 'system', id: 'test' }, reason: 'leave the later tests their feed' });
  });

  it('strong ETag and Last-Modified: 304 on If-None-Match and If-Modified-Since, HEAD, and a new ETag only when content changes', async () => {
    const path = '/v1/feeds/seoul-jongno/edl.txt';
    const first = await raw(app.base, 'GET', path, bearer(feedKey));
    const etag = first.headers.etag!;
    const lastModified = first.headers['last-modified']!;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{32}"$/);
    expect(Date.parse(lastModified)).toBeLessThanOrEqual(Date.now());
    expect(first.headers['cache-control']).toBe('private, no-cache');

    const again = await raw(app.base, 'GET', path, bearer(feedKey));
    expect(again.headers.etag).toBe(etag);
    const inm = await raw(app.base, 'GET', path, { ...bearer(feedKey), 'if-none-match': etag });
    expect(inm.status).toBe(304);
    expect(inm.body.length).toBe(0);
    expect(inm.headers.etag).toBe(etag);
    const ims = await raw(app.base, 'GET', path, { ...bearer(feedKey), 'if-modified-since': lastModified });
    expect(ims.status).toBe(304);
    const stale = await raw(app.base, 'GET', path, { ...bearer(feedKey), 'if-none-match': '"something-else"', 'if-modified-since': lastModified });
    expect(stale.status).toBe(200);

    const head = await raw(app.base, 'HEAD', path, bearer(feedKey));
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    expect(head.headers.etag).toBe(etag);
    expect(Number(head.headers['content-length'])).toBe(first.body.length);
    expect((await raw(app.base, 'HEAD', path, { ...bearer(feedKey), 'if-none-match': etag })).status).toBe(304);

    // A change elsewhere in the jurisdiction that this variant does not show keeps its validators.
    const top1 = await raw(app.base, 'GET', `${path}?max_entries=1`, bearer(feedKey));
    await sleep(1100);
    await ban('45.155.205.2', { score: 10 });
    const top1Again = await raw(app.base, 'GET', `${path}?max_entries=1`, { ...bearer(feedKey), 'if-none-match': top1.headers.etag! });
    expect(top1Again.status).toBe(304);

    const changed = await raw(app.base, 'GET', path, { ...bearer(feedKey), 'if-none-match': etag, 'if-modified-since': lastModified });
    expect(changed.status).toBe(200);
    expect(changed.headers.etag).not.toBe(etag);
    expect(Date.parse(changed.headers['last-modified']!)).toBeGreaterThan(Date.parse(lastModified));
    expect(changed.body.toString()).toContain('45.155.205.2');
  });

  it('gzip when asked, precomputed, with its own strong ETag; compression middleware never touches feeds', async () => {
    const path = '/v1/feeds/seoul-jongno/blocklist.json';
    const plain = await raw(app.base, 'GET', path, bearer(feedKey));
    const gz = await raw(app.base, 'GET', path, { ...bearer(feedKey), 'accept-encoding': 'gzip, deflate, br' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.headers.vary).toContain('Accept-Encoding');
    expect(gunzipSync(gz.body).equals(plain.body)).toBe(true);
    expect(gz.headers.etag).toBe(plain.headers.etag!.replace(/"$/, '-gz"'));
    expect((await raw(app.base, 'GET', path, { ...bearer(feedKey), 'accept-encoding': 'gzip', 'if-none-match': gz.headers.etag! })).status).toBe(304);
    const deflateOnly = await raw(app.base, 'GET', path, { ...bearer(feedKey), 'accept-encoding': 'deflate' });
    expect(deflateOnly.headers['content-encoding']).toBeUndefined();
    expect(deflateOnly.headers.etag).toBe(plain.headers.etag);
    expect(deflateOnly.body.equals(plain.body)).toBe(true);
  });

  it('JSON, CSV and a valid STIX 2.1 bundle carry value, expires, reason, origin and score', async () => {
    const json = JSON.parse((await raw(app.base, 'GET', '/v1/feeds/seoul-jongno/blocklist.json', bearer(feedKey))).body.toString());
    expect(json.jurisdiction).toBe('seoul-jongno');
    expect(json.items[0]).toMatchObject({ value: '91.240.118.0/24', reason: 'scanner network', score: 90, origin: { type: 'playbook', id: 'run-feeds' }, expires: expect.any(String) });

    const csv = (await raw(app.base, 'GET', '/v1/feeds/seoul-jongno/blocklist.csv', bearer(feedKey))).body.toString().split('\r\n');
    expect(csv[0]).toBe('value,scope,expires,reason,origin,score,confidence,tlp,id');
    expect(csv[1]).toMatch(/^91\.240\.118\.0\/24,range,\S+Z,scanner network,playbook:run-feeds,90,90,AMBER,\d+$/);

    const ended = await ban('185.220.101.33', { score: 60, tlp: 'GREEN' });
    await decisions.end(ended.id, { actor: { type: 'system', id: 'test' }, reason: 'false positive' });
    const stixRes = await raw(app.base, 'GET', '/v1/feeds/seoul-jongno/stix.json', bearer(feedKey));
    expect(stixRes.headers['content-type']).toBe('application/stix+json;version=2.1');
    const bundle = JSON.parse(stixRes.body.toString()) as StixBundle;
    expect(stixBundleProblems(bundle, parseNet, Object.values(OFFICIAL_TLP2))).toEqual([]);
    expect(Object.keys(bundle).sort()).toEqual(['id', 'objects', 'type']);
    const indicators = bundle.objects.filter((o) => o.type === 'indicator');
    for (const o of indicators) {
      for (const k of ['type', 'spec_version', 'id', 'created', 'modified', 'pattern', 'pattern_type', 'valid_from', 'valid_until', 'confidence', 'revoked', 'created_by_ref', 'object_marking_refs']) expect({ k, present: o[k] !== undefined }).toEqual({ k, present: true });
      expect(o.pattern).toMatch(/^\[ipv(4|6)-addr:value = '[0-9a-f.:]+(\/\d+)?'\]$/);
    }
    // Every marking referenced is one of the official ids and travels with the bundle as a marking definition.
    const markingDefs = new Map(bundle.objects.filter((o) => o.type === 'marking-definition').map((o) => [o.id, o]));
    const referenced = new Set<string>(indicators.flatMap((o) => o.object_marking_refs ?? []));
    expect([...referenced].sort()).toEqual([OFFICIAL_TLP2.AMBER, OFFICIAL_TLP2.GREEN].sort());
    for (const id of referenced) expect(markingDefs.get(id)).toMatchObject({ spec_version: '2.1', created: expect.any(String), name: id === OFFICIAL_TLP2.GREEN ? 'TLP:GREEN' : 'TLP:AMBER' });
    expect(indicators.map((o) => o.pattern)).toEqual(expect.arrayContaining(["[ipv4-addr:value = '91.240.118.0/24']", "[ipv6-addr:value = '2a0d:5600::7']"]));
    expect(indicators.find((o) => o.pattern?.includes('185.220.101.33'))).toMatchObject({ revoked: true, object_marking_refs: [OFFICIAL_TLP2.GREEN] });
    const again = JSON.parse((await raw(app.base, 'GET', '/v1/feeds/seoul-jongno/stix.json', bearer(feedKey))).body.toString()) as StixBundle;
    expect(again.objects.map((o) => o.id)).toEqual(bundle.objects.map((o) => o.id));
  });

  it('exact expiry: a feed fetched one second after expiry no longer lists it, with no sweep running', async () => {
    const short = await ban('80.94.95.115', { duration: '1s', score: 99, reason: 'short block' });
    const before = await raw(app.base, 'GET', '/v1/feeds/seoul-jongno/edl.txt', bearer(feedKey));
    expect(before.body.toString()).toContain('80.94.95.115 # short block');
    const csBefore = await app.call('GET', '/v1/decisions/stream?startup=true', { key: feedKey });
    expect(csBefore.body.new.map((d) => d.value)).toContain('80.94.95.115');

    await sleep(Date.parse(short.expires) + 1000 - Date.now());
    // The sweep has not recorded the expiry: the decision is still in the expiry index.
    expect(await redis.zscore(`${app.config.redis.keyPrefix}:bl:exp`, `seoul-jongno\n${short.id}\n80.94.95.115`)).not.toBeNull();
    for (const path of ['edl.txt', 'blocklist.json', 'blocklist.csv', 'stix.json']) {
      const r = await raw(app.base, 'GET', `/v1/feeds/seoul-jongno/${path}`, bearer(feedKey));
      expect({ path, listed: r.body.toString().includes('80.94.95.115') }).toEqual({ path, listed: false });
    }
    const after = await raw(app.base, 'GET', '/v1/feeds/seoul-jongno/edl.txt', { ...bearer(feedKey), 'if-none-match': before.headers.etag! });
    expect(after.status).toBe(200);
    expect(after.headers['last-modified']).toBe(new Date(Date.parse(short.expires)).toUTCString());
    expect((await app.call('GET', `/v1/decisions/${short.id}`)).body.status).toBe('expired');
  });

  it('isolation: a feed key reads its own jurisdiction only; Basic auth (password = key) works; a key in the URL does not', async () => {
    const other = await raw(app.base, 'GET', '/v1/feeds/seoul-mapo/edl.txt', bearer(feedKey));
    expect(other.status).toBe(403);
    expect(other.headers['content-type']).toContain('application/problem+json');
    expect(JSON.parse(other.body.toString()).detail).toBe('a feed key of seoul-jongno cannot read the feed of seoul-mapo');
    expect((await raw(app.base, 'GET', '/v1/feeds/seoul/edl.txt', bearer(feedKey))).status).toBe(403);
    expect((await raw(app.base, 'GET', '/v1/feeds/atlantis/edl.txt', bearer(feedKey))).status).toBe(404);

    const basic = await raw(app.base, 'GET', '/v1/feeds/seoul-jongno/edl.txt', { authorization: 'Basic ' + Buffer.from(`panos:${feedKey}`).toString('base64') });
    expect(basic.status).toBe(200);
    expect(basic.body.toString()).toContain('91.240.118.0/24');
    const wrongPassword = await raw(app.base, 'GET', '/v1/feeds/seoul-jongno/edl.txt', { authorization: 'Basic ' + Buffer.from('panos:nope').toString('base64') });
    expect(wrongPassword.status).toBe(401);
    expect(wrongPassword.headers['www-authenticate']).toContain('Basic');

    for (const param of ['key', 'api_key', 'apikey', 'token']) {
      const inUrl = await raw(app.base, 'GET', `/v1/feeds/seoul-jongno/edl.txt?${param}=${encodeURIComponent(feedKey)}`);
      expect({ param, status: inUrl.status }).toEqual({ param, status: 401 });
    }

    expect((await raw(app.base, 'GET', '/v1/feeds/seoul-mapo/edl.txt', { 'x-api-key': ADMIN_KEY })).status).toBe(200);
    const seoulAnalyst = (await app.call('POST', '/v1/keys', { body: { role: 'analyst', jurisdiction: 'seoul' } })).body.key;
    expect((await raw(app.base, 'GET', '/v1/feeds/seoul-mapo/edl.txt', bearer(seoulAnalyst))).status).toBe(200);
    expect((await raw(app.base, 'GET', '/v1/feeds/gyeonggi-suwon/edl.txt', bearer(seoulAnalyst))).status).toBe(403);
    const sensor = (await app.call('POST', '/v1/keys', { body: { role: 'sensor', jurisdiction: 'seoul-jongno' } })).body.key;
    expect((await raw(app.base, 'GET', '/v1/feeds/seoul-jongno/edl.txt', bearer(sensor))).status).toBe(403);
  });

  it('several API processes serve the same bytes, and each sees a change at once', async () => {
    const second = await startTestApp({ redis: { keyPrefix: app.config.redis.keyPrefix }, blocklist: { sweepIntervalMs: 60_000 } });
    try {
      const path = '/v1/feeds/seoul-jongno/stix.json';
      const [a, b] = await Promise.all([raw(app.base, 'GET', path, bearer(feedKey)), raw(second.base, 'GET', path, bearer(feedKey))]);
      expect(b.headers.etag).toBe(a.headers.etag);
      expect(b.body.equals(a.body)).toBe(true);
      await raw(second.base, 'GET', '/v1/feeds/seoul-jongno/edl.txt', bearer(feedKey)); // warm the second process's cache
      await ban('193.32.162.9', { score: 77 });
      const edl = await raw(second.base, 'GET', '/v1/feeds/seoul-jongno/edl.txt', bearer(feedKey));
      expect(edl.body.toString()).toContain('193.32.162.9');
      const mine = await raw(app.base, 'GET', '/v1/feeds/seoul-jongno/edl.txt', bearer(feedKey));
      expect(mine.headers.etag).toBe(edl.headers.etag);
      expect(mine.headers['last-modified']).toBe(edl.headers['last-modified']);
    } finally {
      await second.close();
    }
  });
});
