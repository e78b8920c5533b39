import Fastify, { type FastifyInstance } from 'fastify';
import { clientAddress, fastifyTrustProxy, isTrustedProxy, publicBaseUrl } from './public-url';

/** A real Fastify with the app's trustProxy setting; light-my-request connects from 127.0.0.1. */
async function server(cfg: { publicUrl?: string; trustedProxies: string[] }): Promise<FastifyInstance> {
  const app = Fastify({ trustProxy: fastifyTrustProxy(cfg) });
  app.get('/', async (req) => ({ base: publicBaseUrl(req, cfg), client: clientAddress(req) }));
  await app.ready();
  return app;
}
const get = async (app: FastifyInstance, headers: Record<string, string>) => (await app.inject({ method: 'GET', url: '/', headers })).json<{ base: string; client: string }>();

describe('public URL and client address', () => {
  it('never believes Host or X-Forwarded-* from a client that is not a trusted proxy', async () => {
    const app = await server({ trustedProxies: [] });
    const r = await get(app, { host: 'evil.example', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https', 'x-forwarded-for': '198.51.100.9' });
    expect(r.base).not.toContain('evil');
    expect(r.base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(r.client).toBe('127.0.0.1');
    await app.close();
  });

  it('a trusted proxy: its X-Forwarded-Host/-Proto make the URL, the first untrusted X-Forwarded-For hop is the client', async () => {
    const app = await server({ trustedProxies: ['127.0.0.0/8', '10.0.0.0/8'] });
    const r = await get(app, { host: 'internal:8080', 'x-forwarded-host': 'gwanje.example.go.kr', 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.50, 10.1.2.3' });
    expect(r).toEqual({ base: 'https://gwanje.example.go.kr', client: '203.0.113.50' });
    // A forged hop in front of the real client's address changes nothing: only trusted hops are skipped.
    expect((await get(app, { 'x-forwarded-for': '1.2.3.4, 203.0.113.50' })).client).toBe('203.0.113.50');
    // A header that is not a host name is ignored.
    expect((await get(app, { 'x-forwarded-host': 'evil.example/path?x' })).base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await app.close();
  });

  it('server.publicUrl wins over everything', async () => {
    const app = await server({ publicUrl: 'https://gwanje.seoul.go.kr/soc/', trustedProxies: ['127.0.0.1'] });
    expect((await get(app, { host: 'evil.example', 'x-forwarded-host': 'other.example' })).base).toBe('https://gwanje.seoul.go.kr/soc');
    await app.close();
  });

  it('trusted proxies match addresses and CIDRs, IPv4-mapped IPv6 as IPv4', () => {
    const cfg = { trustedProxies: ['10.0.0.0/8', '2001:db8::/32', '192.0.2.1'] };
    expect(isTrustedProxy('10.9.8.7', cfg)).toBe(true);
    expect(isTrustedProxy('::ffff:10.9.8.7', cfg)).toBe(true);
    expect(isTrustedProxy('2001:db8:1::5', cfg)).toBe(true);
    expect(isTrustedProxy('192.0.2.1', cfg)).toBe(true);
    expect(isTrustedProxy('192.0.2.2', cfg)).toBe(false);
    expect(isTrustedProxy(undefined, cfg)).toBe(false);
    expect(fastifyTrustProxy({ trustedProxies: [] })).toBe(false);
  });
});
