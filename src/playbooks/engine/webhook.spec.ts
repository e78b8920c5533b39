import { createServer as createHttpServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer, type Socket } from 'node:net';
import { formatLoadError, loadText } from '../loader/loader';
import { setPlaybookContext } from '../model/playbook.schema';
import '../model/register';
import { PermanentError } from './executor';
import { postWebhook, verifyWebhook, type WebhookPost } from './webhook';
import { refusedAddressKind, resolveWebhookTarget, webhookAllow, webhookUrlRefusal, type Resolver } from './webhook-target';

const SECRET = 'a-webhook-secret-of-some-length';

/** A receiver on 127.0.0.1 (refused by default, let through by the allowlist) that records what reaches it. */
async function receiver(answer: (path: string) => { status: number; headers?: Record<string, string> } = () => ({ status: 200 })) {
  const seen: Array<{ path: string; headers: IncomingHttpHeaders; body: string }> = [];
  const server: Server = createHttpServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      seen.push({ path: req.url ?? '', headers: req.headers, body });
      const a = answer(req.url ?? '');
      res.writeHead(a.status, a.headers).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return { port, seen, close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))) };
}

/** A TCP service that is not HTTP: like Redis, it answers with a line of its own; `silent`, it accepts and never answers. */
async function notHttp(silent = false) {
  const sockets = new Set<Socket>();
  const server: TcpServer = createTcpServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    if (!silent) s.end('-ERR unknown command\r\n');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { port: (server.address() as AddressInfo).port, close: () => new Promise<void>((r) => (sockets.forEach((s) => s.destroy()), server.close(() => r()))) };
}

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const s = createTcpServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

const post = (url: string, extra: Partial<WebhookPost> = {}) =>
  postWebhook({ url, secret: SECRET, signatureHeader: 'x-gwanje-signature', body: { ip: '45.95.1.2' }, headers: {}, deliveryId: 'run-1:notify', timeoutMs: 5000, ...extra });
const failure = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected the POST to fail');
    },
    (e: Error) => e,
  );
/** A resolver standing in for DNS: no test reaches the real network. */
const dns = (table: Record<string, string[]>): Resolver => {
  return async (host) => {
    const addrs = table[host];
    if (!addrs) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return addrs.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
};

describe('webhook targets: which addresses are refused', () => {
  it.each([
    ['127.0.0.1', 'a loopback'],
    ['127.9.9.9', 'a loopback'],
    ['10.1.2.3', 'a private'],
    ['172.16.0.1', 'a private'],
    ['192.168.1.1', 'a private'],
    ['169.254.169.254', 'a link-local'],
    ['100.64.0.1', 'a carrier-grade NAT (100.64.0.0/10)'],
    ['224.0.0.251', 'a multicast'],
    ['0.0.0.0', 'an unspecified'],
    ['255.255.255.255', 'a broadcast'],
    ['240.0.0.1', 'a reserved'],
    ['::1', 'a loopback'],
    ['::', 'an unspecified'],
    ['fe80::1', 'a link-local'],
    ['fd00::1', 'a unique-local (fc00::/7)'],
    ['ff02::1', 'a multicast'],
    ['::ffff:127.0.0.1', 'an IPv4-mapped IPv6'],
    ['::ffff:8.8.8.8', 'an IPv4-mapped IPv6'],
    ['::7f00:1', 'an IPv4-compatible IPv6'],
    ['64:ff9b::a00:1', 'a NAT64 (IPv4-embedding)'],
    ['2002:7f00:1::', 'a 6to4 (IPv4-embedding)'],
    ['100::1', 'a special-purpose (discard)'],
    ['4000::1', 'a reserved'],
  ])('%s is %s address', (ip, kind) => {
    expect(refusedAddressKind(ip)).toBe(kind);
  });

  it.each(['8.8.8.8', '45.95.1.2', '2606:4700:4700::1111', '2001:4860:4860::8888'])('%s (public unicast) is allowed', (ip) => {
    expect(refusedAddressKind(ip)).toBeNull();
  });

  it('refuses other spellings of IPv4, localhost names, and literal internal addresses; the allowlist lets listed ones through', () => {
    expect(webhookUrlRefusal('http://0x7f000001:6379/')).toBe('the address is written in a non-standard form (0x7f000001); write it as 127.0.0.1');
    expect(webhookUrlRefusal('http://2130706433/latest/meta-data/')).toMatch(/non-standard form \(2130706433\); write it as 127\.0\.0\.1/);
    expect(webhookUrlRefusal('http://0177.0.0.1/')).toMatch(/non-standard form/);
    expect(webhookUrlRefusal('http://127.1/')).toMatch(/non-standard form/);
    // Another spelling of a public address is refused too: no real receiver is written that way.
    expect(webhookUrlRefusal('http://0x08080808/')).toMatch(/write it as 8\.8\.8\.8/);
    expect(webhookUrlRefusal('http://169.254.169.254/latest/meta-data/')).toBe('169.254.169.254 is a link-local address; webhooks go to public addresses unless playbooks.webhooks.allow lists it');
    expect(webhookUrlRefusal('http://[::ffff:127.0.0.1]:6379/')).toMatch(/^::ffff:7f00:1 is an IPv4-mapped IPv6 address/);
    expect(webhookUrlRefusal('http://[fe80::1]/')).toMatch(/link-local/);
    expect(webhookUrlRefusal('http://localhost:6379/')).toMatch(/^localhost is a loopback name/);
    expect(webhookUrlRefusal('http://redis.localhost/')).toMatch(/loopback name/);
    expect(webhookUrlRefusal('https://soc.seoul.example/hooks/gwanje')).toBeNull();
    expect(webhookUrlRefusal('https://45.95.1.2/hook')).toBeNull();

    const allow = webhookAllow(['127.0.0.1/32', '10.20.0.0/16', 'SOC.internal.example']);
    expect(webhookUrlRefusal('http://127.0.0.1:8080/hook', allow)).toBeNull();
    expect(webhookUrlRefusal('http://10.20.3.4/hook', allow)).toBeNull();
    expect(webhookUrlRefusal('http://[::ffff:10.20.3.4]/hook', allow)).toBeNull();
    expect(webhookUrlRefusal('http://127.0.0.2/hook', allow)).toMatch(/loopback/);
    expect(webhookUrlRefusal('http://0x7f000001/hook', allow)).toMatch(/non-standard form/);
  });

  it('checks every resolved address, and a listed host name passes whatever it resolves to', async () => {
    const resolve = dns({ 'hooks.example': ['45.95.1.2'], 'meta.example': ['169.254.169.254'], 'mixed.example': ['45.95.1.2', '10.0.0.5'], 'soc.internal.example': ['10.20.3.4'], 'v6.example': ['::1'] });
    const none = webhookAllow([]);
    await expect(resolveWebhookTarget('https://hooks.example/x', none, resolve)).resolves.toEqual({ address: '45.95.1.2', family: 4 });
    await expect(resolveWebhookTarget('http://meta.example/latest/meta-data/', none, resolve)).rejects.toThrow('meta.example resolves to a link-local address');
    await expect(resolveWebhookTarget('http://mixed.example/', none, resolve)).rejects.toThrow('mixed.example resolves to a private address');
    await expect(resolveWebhookTarget('http://v6.example/', none, resolve)).rejects.toThrow('resolves to a loopback address');
    await expect(resolveWebhookTarget('http://soc.internal.example/', none, resolve)).rejects.toThrow('resolves to a private address');
    await expect(resolveWebhookTarget('http://soc.internal.example/', webhookAllow(['soc.internal.example']), resolve)).resolves.toEqual({ address: '10.20.3.4', family: 4 });
    await expect(resolveWebhookTarget('http://soc.internal.example/', webhookAllow(['10.20.0.0/16']), resolve)).resolves.toEqual({ address: '10.20.3.4', family: 4 });
  });
});

describe('postWebhook', () => {
  jest.setTimeout(30_000);

  it('refuses a local receiver by default (nothing reaches it) and posts to it when the allowlist lists it', async () => {
    const r = await receiver();
    try {
      const refused = await failure(post(`http://127.0.0.1:${r.port}/hook`));
      expect(refused).toBeInstanceOf(PermanentError);
      expect(refused.message).toBe(`POST http://127.0.0.1:${r.port}: refused: 127.0.0.1 is a loopback address; webhooks go to public addresses unless playbooks.webhooks.allow lists it (not retried)`);
      const spelled = await failure(post(`http://0x7f000001:${r.port}/latest/meta-data/`, { allow: webhookAllow(['127.0.0.1/32']) }));
      expect(spelled.message).toMatch(/refused: the address is written in a non-standard form/);
      expect(r.seen).toEqual([]);

      const ok = await post(`http://127.0.0.1:${r.port}/hook`, { allow: webhookAllow(['127.0.0.1/32']) });
      expect(ok).toEqual({ status: 200, attempts: 1 });
      expect(r.seen).toHaveLength(1);
      const h = r.seen[0].headers;
      expect(h['x-gwanje-delivery']).toBe('run-1:notify');
      expect(verifyWebhook(SECRET, Number(h['x-gwanje-timestamp']), r.seen[0].body, String(h['x-gwanje-signature']))).toBe(true);
      expect(JSON.parse(r.seen[0].body)).toEqual({ ip: '45.95.1.2' });
    } finally {
      await r.close();
    }
  });

  it('resolves once and connects to exactly the address it checked (no second lookup to rebind)', async () => {
    const r = await receiver();
    try {
      let lookups = 0;
      // A name real DNS does not know: reaching the receiver proves the connection used the checked answer.
      const resolve: Resolver = async () => (lookups++, [{ address: '127.0.0.1', family: 4 }]);
      const refused = await failure(post(`http://receiver.gwanje.test:${r.port}/hook`, { resolve }));
      expect(refused.message).toBe(`POST http://receiver.gwanje.test:${r.port}: refused: receiver.gwanje.test resolves to a loopback address; webhooks go to public addresses unless playbooks.webhooks.allow lists the host or its network (not retried)`);
      expect(r.seen).toEqual([]);
      lookups = 0;
      await expect(post(`http://receiver.gwanje.test:${r.port}/hook`, { resolve, allow: webhookAllow(['receiver.gwanje.test']) })).resolves.toEqual({ status: 200, attempts: 1 });
      expect(lookups).toBe(1);
      expect(r.seen.map((s) => s.headers.host)).toEqual([`receiver.gwanje.test:${r.port}`]);
    } finally {
      await r.close();
    }
  });

  it('does not follow redirects', async () => {
    const inner = await receiver();
    const r = await receiver(() => ({ status: 302, headers: { location: `http://127.0.0.1:${inner.port}/latest/meta-data/` } }));
    try {
      const e = await failure(post(`http://127.0.0.1:${r.port}/hook`, { allow: webhookAllow(['127.0.0.1/32']) }));
      expect(e).toBeInstanceOf(PermanentError);
      expect(e.message).toBe(`POST http://127.0.0.1:${r.port}: HTTP 302 (not retried; redirects are not followed)`);
      expect(inner.seen).toEqual([]);
    } finally {
      await r.close();
      await inner.close();
    }
  });

  it('closed ports, non-HTTP services and silent peers all read "unreachable": run errors do not tell ports apart', async () => {
    const redisLike = await notHttp();
    const silent = await notHttp(true);
    const silentPort = silent.port;
    const closed = await closedPort();
    const allow = webhookAllow(['127.0.0.1/32']);
    const portless = (e: Error) => e.message.replace(/:\d+:/, ':PORT:');
    try {
      const errors = await Promise.all([closed, redisLike.port, silentPort].map((port) => failure(post(`http://127.0.0.1:${port}/`, { allow, timeoutMs: 300 }))));
      expect(errors.map(portless)).toEqual(Array(3).fill('POST http://127.0.0.1:PORT: unreachable (no HTTP answer)'));
      errors.forEach((e) => expect(e).not.toBeInstanceOf(PermanentError)); // retried like any network error
      // Not allowlisted: refused before any connection, open or closed alike.
      const refused = await Promise.all([closed, redisLike.port].map((port) => failure(post(`http://127.0.0.1:${port}/`))));
      expect(new Set(refused.map(portless)).size).toBe(1);
      expect(refused[0].message).toMatch(/refused: 127\.0\.0\.1 is a loopback address/);
    } finally {
      await redisLike.close();
      await silent.close();
    }
  });
});

describe('notify URLs at load', () => {
  const pb = (url: string) =>
    ['apiVersion: gwanje/v1', 'kind: Playbook', 'id: hook', 'name: hook', 'owner: seoul', 'status: draft', 'trigger: { on: threat.flagged }', 'steps:', '  - id: tell', '    notify:', `      url: ${url}`, '      secret: soc'].join('\n');
  afterEach(() => setPlaybookContext(null));

  it('refuses internal and re-spelled addresses at file:line:col; the allowlist in the context lets one through', () => {
    const res = loadText(pb('http://0x7f000001:6379/latest/meta-data/'), 'pb.yaml', { kinds: ['Playbook'] });
    expect(res.errors.map(formatLoadError)).toEqual([
      'pb.yaml:11:7  steps[0].notify.url  webhook target refused: the address is written in a non-standard form (0x7f000001); write it as 127.0.0.1 (an internal receiver must be listed in playbooks.webhooks.allow (CIDR or host name))',
    ]);
    expect(loadText(pb('http://169.254.169.254/latest/meta-data/'), 'pb.yaml', { kinds: ['Playbook'] }).errors.map(formatLoadError)).toEqual([expect.stringMatching(/^pb\.yaml:11:7 {2}steps\[0\]\.notify\.url {2}webhook target refused: 169\.254\.169\.254 is a link-local address/)]);
    expect(loadText(pb('https://soc.seoul.example/hooks/gwanje'), 'pb.yaml', { kinds: ['Playbook'] }).errors).toEqual([]);
    setPlaybookContext({ jurisdictions: new Map([['seoul', { parent: null }]]), secrets: new Set(['soc']), webhookAllow: ['127.0.0.1/32'] });
    expect(loadText(pb('http://127.0.0.1:8080/hook'), 'pb.yaml', { kinds: ['Playbook'] }).errors).toEqual([]);
    expect(loadText(pb('http://127.0.0.1:6379/'), 'pb.yaml', { kinds: ['Playbook'] }).errors).toEqual([]);
    expect(loadText(pb('http://10.0.0.1:6379/'), 'pb.yaml', { kinds: ['Playbook'] }).errors.map((e) => e.message)).toEqual([expect.stringContaining('10.0.0.1 is a private address')]);
  });
});
