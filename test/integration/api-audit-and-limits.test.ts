import { Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { ADMIN_KEY, eventually, redisUrl, startTestApp, type TestApp } from '../helpers/app';

/**
 * The audit trail records every state change with its actor and reason, chains the entries, and
 * names the first entry someone edited by hand. Also: per-key rate limits (429 + Retry-After),
 * cursor pagination, problem+json errors, and the OpenAPI document covering every operation.
 */
describe('audit trail, rate limits and API consistency', () => {
  let app: TestApp;
  let redis: Redis;
  let analyst: { key: string; id: string };

  beforeAll(async () => {
    // 127.0.0.1 (the test itself) is a trusted proxy, so X-Forwarded-For names the client of a request.
    app = await startTestApp({ server: { rateLimitPerMinute: 100, authFailures: { max: 5, windowSeconds: 60 }, trustedProxies: ['127.0.0.1'] } });
    redis = new Redis(redisUrl());
    const r = await app.call('POST', '/v1/keys', { body: { role: 'analyst', jurisdiction: 'seoul-mapo', name: 'audit analyst' } });
    analyst = { key: r.body.key, id: r.body.record.id };
  });
  afterAll(async () => {
    redis?.disconnect();
    await app?.close();
  });

  it('records each change with actor, jurisdiction, target and reason; verify recomputes the chain', async () => {
    const d = await app.call('POST', '/v1/decisions', { key: analyst.key, body: { value: '45.155.205.90', duration: '1h', reason: 'audit: manual block' } });
    expect(d.status).toBe(201);
    expect((await app.call('DELETE', `/v1/decisions/${d.body.id}`, { key: analyst.key, body: { reason: 'audit: false positive' } })).status).toBe(200);
    const a = await app.call('POST', '/v1/allowlist', { key: analyst.key, body: { value: '91.240.118.0/24', reason: 'audit: partner range' } });
    expect(a.status).toBe(201);
    expect((await app.call('DELETE', `/v1/allowlist/${a.body.entry.id}?reason=audit%3A%20partner%20gone`, { key: analyst.key })).status).toBe(200);
    const k = await app.call('POST', '/v1/keys', { body: { role: 'sensor', jurisdiction: 'seoul-mapo', name: 'audit sensor' } });
    expect((await app.call('DELETE', `/v1/keys/${k.body.record.id}`)).status).toBe(200);

    const list = await app.call('GET', '/v1/audit?limit=1000');
    expect(list.status).toBe(200);
    const byAction = (action: string) => list.body.items.filter((e) => e.action === action);
    expect(byAction('decision.created')[0]).toMatchObject({ actor: { type: 'key', id: analyst.id, role: 'analyst', jurisdiction: 'seoul-mapo' }, jurisdiction: 'seoul-mapo', reason: 'audit: manual block' });
    expect(byAction('decision.ended')[0]).toMatchObject({ actor: { id: analyst.id }, reason: 'audit: false positive', target: { type: 'decision', id: String(d.body.id) } });
    expect(byAction('allowlist.added')[0]).toMatchObject({ reason: 'audit: partner range' });
    expect(byAction('allowlist.removed')[0]).toMatchObject({ reason: 'audit: partner gone' });
    expect(byAction('key.created').map((e) => e.target.id)).toContain(k.body.record.id);
    expect(byAction('key.revoked').map((e) => e.target.id)).toContain(k.body.record.id);
    // Each entry carries the previous one's hash.
    const items = list.body.items;
    for (let i = 1; i < items.length; i++) expect(items[i].prevHash).toBe(items[i - 1].hash);
    // The district analyst sees its own jurisdiction's entries only; `since` filters by time.
    const mine = await app.call('GET', '/v1/audit', { key: analyst.key });
    expect(mine.body.items.length).toBeGreaterThan(0);
    expect(mine.body.items.every((e) => e.jurisdiction === 'seoul-mapo')).toBe(true);
    const future = await app.call('GET', `/v1/audit?since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`);
    expect(future.body.items).toEqual([]);

    expect((await app.call('GET', '/v1/audit/verify')).body).toMatchObject({ valid: true, entries: items.length, firstBroken: null });
  });

  it('verify names the first entry edited by hand in Redis', async () => {
    const logKey = `${app.config.redis.keyPrefix}:audit:log`;
    const rows = await redis.zrangebyscore(logKey, '-inf', '+inf', 'WITHSCORES');
    expect(rows.length).toBeGreaterThan(6);
    // Rewrite entry 3's reason, keeping its score and stored hash: what a careless hand edit does.
    const [member, score] = [rows[4], rows[5]];
    expect(score).toBe('3');
    const edited = member.replace(/"reason":"[^"]*"/, '"reason":"nothing to see"');
    expect(edited).not.toBe(member);
    await redis.multi().zrem(logKey, member).zadd(logKey, score, edited).exec();
    const v = await app.call('GET', '/v1/audit/verify');
    expect(v.body).toMatchObject({ valid: false, firstBroken: { seq: 3, reason: expect.stringMatching(/edited/) } });
    // Put it back: the chain verifies again.
    await redis.multi().zrem(logKey, edited).zadd(logKey, score, member).exec();
    expect((await app.call('GET', '/v1/audit/verify')).body.valid).toBe(true);
  });

  it('lists page with limit and cursor → next, without gaps or repeats', async () => {
    for (let i = 0; i < 5; i++) await app.call('POST', '/v1/decisions', { body: { value: `45.155.206.${i + 1}`, jurisdiction: 'seoul-gangnam', duration: '1h', reason: `page ${i}` } });
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
      const r = await app.call('GET', `/v1/decisions?jurisdiction=seoul-gangnam&limit=2${page}`);
      expect(r.status).toBe(200);
      expect(r.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...r.body.items.map((d) => d.value));
      cursor = r.body.next;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(seen.sort()).toEqual(['45.155.206.1', '45.155.206.2', '45.155.206.3', '45.155.206.4', '45.155.206.5']);

    // since/until filter every list by time; the same parameters on decisions, runs, shares, approvals, alerts, audit.
    const all = (await app.call('GET', '/v1/decisions?jurisdiction=seoul-gangnam&limit=100')).body.items;
    const third = all[2].created;
    const newer = await app.call('GET', `/v1/decisions?jurisdiction=seoul-gangnam&since=${encodeURIComponent(third)}`);
    expect(newer.body.items.map((d) => d.value)).toEqual(all.filter((d) => d.created >= third).map((d) => d.value));
    const older = await app.call('GET', `/v1/decisions?jurisdiction=seoul-gangnam&until=${encodeURIComponent(third)}`);
    expect(older.body.items.every((d) => d.created < third)).toBe(true);
    expect((await app.call('GET', '/v1/decisions?since=yesterday')).status).toBe(400);
    const doc = (await app.call('GET', '/openapi.json', { key: null })).body;
    for (const path of ['/v1/decisions', '/v1/runs', '/v1/shares', '/v1/approvals', '/v1/alerts', '/v1/audit'])
      expect(doc.paths[path].get.parameters?.map((x) => x.name)).toEqual(expect.arrayContaining(['since', ...(path === '/v1/audit' ? [] : ['until'])]));
  });

  it('errors are problem+json saying what and where', async () => {
    const r = await app.call('POST', '/v1/decisions', { body: { value: 'not-an-ip', duration: '1h', reason: 'x', jurisdiction: 'seoul-mapo' } });
    expect(r.status).toBe(400);
    expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(r.body).toMatchObject({ status: 400, title: expect.any(String), detail: expect.stringContaining('not-an-ip') });
    const unknownField = await app.call('POST', '/v1/decisions', { body: { value: '45.155.205.91', duration: '1h', reason: 'x', colour: 'red' } });
    expect(unknownField.status).toBe(400);
    expect(unknownField.problem.detail).toMatch(/colour/);
    const nokey = await app.call('GET', '/v1/decisions', { key: null });
    expect(nokey.status).toBe(401);
    expect(nokey.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it('documents every operation in OpenAPI 3 with its parameters and error responses', async () => {
    const doc = (await app.call('GET', '/openapi.json', { key: null })).body;
    expect(doc.openapi).toMatch(/^3\./);
    const ops = Object.entries(doc.paths).flatMap(([p, m]) => Object.entries(m).map(([method, op]) => ({ p, method, op })));
    const undocumented = ops.filter(({ op }) => !op.summary || !op.responses).map(({ p, method }) => `${method} ${p}`);
    expect(undocumented).toEqual([]);
    const v1 = ops.filter(({ p }) => p.startsWith('/v1/') && !p.startsWith('/v1/federation'));
    const withoutErrors = v1.filter(({ op }) => !Object.keys(op.responses).some((s) => s.startsWith('4'))).map(({ p, method }) => `${method} ${p}`);
    expect(withoutErrors).toEqual([]);
    expect(doc.paths['/v1/decisions'].get.parameters?.map((x) => x.name)).toEqual(expect.arrayContaining(['jurisdiction', 'limit', 'cursor']));
  });

  it("gives the dashboard's first screen: alerts per minute, decisions, top rules and countries, scoped to the key", async () => {
    const now = Date.now();
    const lines = Array.from({ length: 12 }, (_, k) =>
      JSON.stringify({
        timestamp: new Date(now - k * 1000).toISOString(),
        event_type: 'alert',
        src_ip: k < 8 ? '1.209.1.10' : '45.155.205.93',
        dest_ip: '10.13.0.7',
        dest_port: 443,
        proto: 'TCP',
        alert: { action: 'blocked', signature_id: k < 8 ? 2024897 : 2013028, signature: k < 8 ? 'ET WEB_SERVER SQL Injection' : 'ET POLICY curl User-Agent', category: 'Web Application Attack', severity: 1 },
      }),
    );
    const ing = await app.call('POST', '/v1/ingest?format=suricata-eve&jurisdiction=seoul-mapo', { raw: lines.join('\n'), headers: { 'content-type': 'application/x-ndjson' } });
    expect(ing.body.accepted).toBe(12);
    expect((await app.call('POST', '/v1/decisions', { key: analyst.key, body: { value: '45.155.205.94', duration: '1h', reason: 'overview: one active block' } })).status).toBe(201);
    const ov = await eventually(async () => {
      const r = await app.call('GET', '/v1/overview?jurisdiction=seoul-mapo&window=15m', { key: analyst.key });
      return r.body.alerts?.total === 12 ? r.body : null;
    });
    expect(ov.alerts.perMinute).toHaveLength(15);
    expect(ov.alerts.perMinute.reduce((n: number, m) => n + m.count, 0)).toBe(12);
    expect(ov.topRules[0]).toEqual({ id: '2024897', name: 'ET WEB_SERVER SQL Injection', count: 8 });
    expect(ov.topCountries).toEqual(expect.arrayContaining([{ country: 'KR', count: 8 }]));
    // Stored alerts carry the same offline enrichment (country, AS) when read.
    const [kr] = (await app.call('GET', '/v1/alerts?src_ip=1.209.1.10&limit=1', { key: analyst.key })).body.items;
    expect(kr.enrichment).toMatchObject({ country: 'KR', asn: expect.any(Number), org: expect.any(String) });
    expect(ov.key).toMatchObject({ id: analyst.id, role: 'analyst', jurisdiction: 'seoul-mapo' });
    expect(ov.jurisdictions).toEqual(['seoul-mapo']);
    // Test 1's block in seoul-mapo was ended; the one made above is the only active one.
    expect(ov.activeDecisions).toEqual({ total: 1, byJurisdiction: { 'seoul-mapo': 1 } });
    const bad = await app.call('GET', '/v1/overview?window=3d', { key: analyst.key });
    expect(bad.status).toBe(400);
    expect(bad.problem.detail).toMatch(/window/);
    expect((await app.call('GET', '/v1/overview?jurisdiction=seoul-gangnam', { key: analyst.key })).status).toBe(403);
  });

  it('answers 429 with Retry-After once a key passes its rate, without slowing other keys', async () => {
    const other = await app.call('POST', '/v1/keys', { body: { role: 'analyst', jurisdiction: 'seoul-mapo', name: 'other' } });
    let limited: Awaited<ReturnType<TestApp['call']>> | undefined;
    for (let i = 0; i < 150 && !limited; i++) {
      const r = await app.call('GET', '/v1/jurisdictions', { key: analyst.key });
      if (r.status === 429) limited = r;
    }
    expect(limited).toBeDefined();
    expect(Number(limited!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited!.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect((await app.call('GET', '/v1/jurisdictions', { key: other.body.key })).status).toBe(200);
  });

  describe('failed authentication is limited per client address (sliding window, shared through Redis)', () => {
    const from = (client: string, key: string | null = `gwk_abcdefabcdef_${'x'.repeat(43)}`) => app.call('GET', '/v1/jurisdictions', { key, headers: { 'x-forwarded-for': client } });
    let warn: jest.SpyInstance;
    beforeEach(() => {
      warn = jest.spyOn(Logger.prototype, 'warn');
    });
    afterEach(() => warn.mockRestore());
    const warnedAbout = (client: string) => warn.mock.calls.filter(([obj]) => typeof obj === 'object' && obj?.client === client);

    it('answers 429 with Retry-After past the limit — to a correct key too — and leaves other addresses alone', async () => {
      for (let i = 0; i < 5; i++) expect((await from('198.51.100.1')).status).toBe(401);
      const limited = await from('198.51.100.1');
      expect(limited.status).toBe(429);
      expect(limited.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const retry = Number(limited.headers.get('retry-after'));
      expect(retry).toBeGreaterThan(0);
      expect(retry).toBeLessThanOrEqual(120);
      expect(limited.problem.detail).toMatch(/198\.51\.100\.1/);
      // A correct guess is refused as well, or the limit would not stop guessing.
      expect((await from('198.51.100.1', ADMIN_KEY)).status).toBe(429);
      for (let i = 0; i < 20; i++) expect((await from('198.51.100.1')).status).toBe(429);
      // Another client, and requests without a key (nothing guessed), are not affected.
      expect((await from('198.51.100.2', ADMIN_KEY)).status).toBe(200);
      expect((await from('198.51.100.1', null)).status).toBe(401);
      // One warning for the address in this window, not one per failure.
      expect(warnedAbout('198.51.100.1')).toHaveLength(1);
      expect(warnedAbout('198.51.100.1')[0][0]).toMatchObject({ failures: 5, max: 5, windowSeconds: 60 });
    });

    it('counts an IPv6 client per /64, so rotating addresses inside it does not help', async () => {
      for (let i = 1; i <= 5; i++) expect((await from(`2001:db8:7:9::${i}`)).status).toBe(401);
      expect((await from('2001:db8:7:9:ffff::6')).status).toBe(429);
      expect((await from('2001:db8:7:a::1', ADMIN_KEY)).status).toBe(200); // the next /64
    });

    it('without a trusted proxy X-Forwarded-For is ignored: the socket address is the client', async () => {
      const direct = await startTestApp({ server: { authFailures: { max: 3, windowSeconds: 60 } } });
      try {
        const call = (client: string, key = 'not-a-key-but-long-enough') => direct.call('GET', '/v1/jurisdictions', { key, headers: { 'x-forwarded-for': client } });
        for (const client of ['192.0.2.1', '192.0.2.2', '192.0.2.3']) expect((await call(client)).status).toBe(401);
        expect((await call('192.0.2.4')).status).toBe(429);
      } finally {
        await direct.close();
      }
    });

    it('API processes share the count: failures spread over two processes add up', async () => {
      const second = await startTestApp({ role: 'api', redis: { keyPrefix: app.config.redis.keyPrefix }, server: { rateLimitPerMinute: 100, authFailures: { max: 5, windowSeconds: 60 }, trustedProxies: ['127.0.0.1'] } });
      try {
        const on = (target: TestApp) => target.call('GET', '/v1/jurisdictions', { key: `gwk_abcdefabcdef_${'y'.repeat(43)}`, headers: { 'x-forwarded-for': '203.0.113.77' } });
        for (const target of [app, second, app, second, app]) expect((await on(target)).status).toBe(401);
        expect((await on(second)).status).toBe(429);
        expect((await on(app)).status).toBe(429);
      } finally {
        await second.close();
      }
    });
  });
});
