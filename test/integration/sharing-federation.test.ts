import http from 'node:http';
import type { Socket } from 'node:net';
import { QueuesService } from '../../src/infra/queues/queues.service';
import { generateSigningKeys, parsePrivateKey, signEnvelope } from '../../src/sharing/federation/signing';
import { FEDERATION_QUEUE } from '../../src/contracts/jobs';
import { ADMIN_KEY, eventually, startTestApp, testConfig, type TestApp } from '../helpers/app';
import { callDeployment, federationConfigs, portScan, startFederatedPair, type FederatedPair } from '../helpers/federation';
import { freePort } from '../helpers/redis-server';

/**
 * Two deployments on loopback: A ("klid-hub", KLID's platform) and B ("seoul-platform", Seoul's
 * own); A blocks Jongno-gu's port scans and shares them with B, whose policy trusts A
 * (test/helpers/federation.ts, shared with `npm run bench sharing`).
 *
 * As two separate `all` processes from dist/, each on its own redis-server:
 * - an attack a sensor ingests at A is flagged, blocked by A's playbook and shared to B; B's policy
 *   blocks it and the address appears in B's EDL, pulled with a feed key; revoking at A removes it
 *
 * In this process (two Gwanjes, one Redis server, two key prefixes), where the test can reach in:
 * - the same flow, checked in more detail (inbox provenance, decision origin, acknowledgement)
 * - B refuses bad signatures, stale timestamps, replays, unknown and misdirected senders
 * - while B is unreachable A queues; on recovery everything arrives once, in order, even when an
 *   acknowledgement is lost on the way back (A reaches B through a loopback proxy the test can take down)
 */
jest.setTimeout(90_000);

const keysA = generateSigningKeys();
const keysB = generateSigningKeys();

/** A TCP-level switchable HTTP proxy: `down()` refuses connections, `dropAcks(n)` forwards n requests but cuts the answer. */
async function switchableProxy(port: number, target: () => string) {
  const sockets = new Set<Socket>();
  let drop = 0;
  let forwarded = 0;
  // The body is read inside the try too: a rejection escaping the handler would be unhandled.
  const forward = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    try {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const r = await fetch(target() + req.url, { method: req.method, headers: { 'content-type': String(req.headers['content-type'] ?? 'application/json') }, body: chunks.length ? Buffer.concat(chunks) : undefined });
      const body = Buffer.from(await r.arrayBuffer());
      forwarded++;
      if (drop > 0) {
        drop--;
        req.socket.destroy(); // the peer applied it; the sender never hears so
        return;
      }
      res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'application/json' });
      res.end(body);
    } catch {
      res.writeHead(502).end();
    }
  };
  const server = http.createServer((req, res) => void forward(req, res));
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const listen = () => new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  await listen();
  return {
    get forwarded() {
      return forwarded;
    },
    dropAcks: (n: number) => void (drop = n),
    down: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        for (const s of sockets) s.destroy();
      }),
    up: listen,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

let A: TestApp;
let B: TestApp;
let proxy: Awaited<ReturnType<typeof switchableProxy>>;

beforeAll(async () => {
  const [portA, portB, portProxy] = [await freePort(), await freePort(), await freePort()];
  proxy = await switchableProxy(portProxy, () => `http://127.0.0.1:${portB}`);
  const retry = { baseMs: 100, maxMs: 800, attempts: 100_000 };
  const configs = federationConfigs(testConfig(), testConfig(), { portA, portB, keysA, keysB, retry, urlOfB: `http://127.0.0.1:${portProxy}`, requestTimeoutMs: 3000 });
  A = await startTestApp(configs.A);
  B = await startTestApp(configs.B);
}, 90_000);
afterAll(async () => {
  await A?.close();
  await B?.close();
  await proxy?.close();
});

const edl = async (app: TestApp, j: string) => (await app.call('GET', `/v1/feeds/${j}/edl.txt?comments=false`)).text.split('\n').filter(Boolean);
const inboxB = async (value?: string) => (await B.call('GET', `/v1/shares?direction=in&jurisdiction=seoul${value ? `&value=${value}` : ''}&limit=500`)).body.items;

describe('federation between two deployments', () => {
  it('an attack ingested at A is flagged, blocked and shared; B blocks it and serves it in its EDL; revoking at A ends it at B', async () => {
    const ip = '45.155.205.77';
    const ingest = await A.call('POST', '/v1/ingest?format=suricata-eve&jurisdiction=seoul-jongno', { raw: portScan(ip) });
    expect(ingest.status).toBe(202);
    expect(ingest.body.accepted).toBe(24);
    // A: flagged → the playbook blocked it in Jongno-gu and shared it to the peer.
    await eventually(async () => (await edl(A, 'seoul-jongno')).includes(ip), 30_000);
    const [sent] = (await A.call('GET', `/v1/shares?direction=out&jurisdiction=seoul-jongno&value=${ip}`)).body.items;
    expect(sent).toMatchObject({ value: ip, from: 'seoul-jongno', chain: ['seoul-jongno'], tlp: 'AMBER', playbookRun: expect.stringMatching(/^run-/) });
    expect(sent.deliveries).toEqual([expect.objectContaining({ jurisdiction: 'peer:seoul-platform', delivered: true })]);
    // B: in Seoul's EDL, with A's provenance in the inbox.
    await eventually(async () => (await edl(B, 'seoul')).includes(ip), 30_000);
    const [entry] = await inboxB(ip);
    expect(entry).toMatchObject({ from: 'peer:klid-hub', origin: 'klid-hub/seoul-jongno', chain: ['klid-hub/seoul-jongno'], tlp: 'AMBER', mode: 'auto-block', state: { status: 'blocked' } });
    const [d] = (await B.call('GET', `/v1/decisions?jurisdiction=seoul&value=${ip}&active=true`)).body.items;
    expect(d.origin).toMatchObject({ type: 'shared', id: entry.shareId });
    // A's view of the delivery is acknowledged.
    await eventually(async () => (await A.call('GET', `/v1/shares/${sent.id}`)).body.deliveries[0].status === 'acknowledged');

    // Revocation travels too: B's decision rested only on A's share, so it ends.
    const rv = await A.call('POST', `/v1/shares/${sent.id}/revoke`, { body: { reason: 'false positive: our own scanner' } });
    expect(rv.body).toMatchObject({ revoked: true, peers: ['seoul-platform'] });
    await eventually(async () => !(await edl(B, 'seoul')).includes(ip), 30_000);
    expect((await inboxB(ip))[0].revoked).toMatchObject({ decision: 'ended' });
  });

  it('B refuses bad signatures, stale timestamps, replays, unknown and misdirected senders', async () => {
    const privA = parsePrivateKey(keysA.privateKey);
    const body = (value: string) => ({ type: 'share', id: `sh-manual-${value}`, value, chain: ['klid-hub/klid'], tlp: 'GREEN', score: 90, confidence: 90, expires: new Date(Date.now() + 3_600_000).toISOString(), reason: 'manual', evidence: {}, to: ['seoul'] });
    const payload = (seq: number, value: string) => JSON.stringify({ epoch: 'manual-epoch', seq, body: body(value) });
    const post = (env: unknown) => B.call('POST', '/v1/federation/inbox', { key: null, body: env });

    const good = signEnvelope({ from: 'klid-hub', to: 'seoul-platform', payload: payload(1, '91.240.118.90') }, privA);
    const ok = await post(good);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ accepted: true, duplicate: false, deliveries: [{ jurisdiction: 'seoul', delivered: true }] });
    // The same message again: its nonce was used.
    const replay = await post(good);
    expect(replay.status).toBe(409);
    expect(replay.body).toMatchObject({ code: 'replay' });
    // A changed payload under the old signature; a message signed with another key.
    const tampered = await post({ ...good, payload: payload(2, '91.240.118.91'), nonce: good.nonce.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')) });
    expect(tampered.status).toBe(401);
    expect(tampered.body).toMatchObject({ code: 'bad-signature' });
    const forged = await post(signEnvelope({ from: 'klid-hub', to: 'seoul-platform', payload: payload(3, '91.240.118.92') }, parsePrivateKey(generateSigningKeys().privateKey)));
    expect(forged.body).toMatchObject({ code: 'bad-signature' });
    // Ten minutes old (the window is 300 s), and ten minutes ahead.
    for (const skew of [-600_000, 600_000]) {
      const stale = await post(signEnvelope({ from: 'klid-hub', to: 'seoul-platform', payload: payload(4, '91.240.118.93') }, privA, Date.now() + skew));
      expect(stale.status).toBe(400);
      expect(stale.body).toMatchObject({ code: 'stale' });
    }
    const unknown = await post(signEnvelope({ from: 'someone', to: 'seoul-platform', payload: payload(5, '91.240.118.94') }, privA));
    expect(unknown).toMatchObject({ status: 401, body: { code: 'unknown-peer' } });
    const misdirected = await post(signEnvelope({ from: 'klid-hub', to: 'busan-platform', payload: payload(6, '91.240.118.95') }, privA));
    expect(misdirected).toMatchObject({ status: 400, body: { code: 'misdirected' } });
    // A fresh message repeating an applied seq is acknowledged as a duplicate and not applied again.
    const again = await post(signEnvelope({ from: 'klid-hub', to: 'seoul-platform', payload: payload(1, '91.240.118.96') }, privA));
    expect(again.body).toMatchObject({ accepted: true, duplicate: true });
    // Only the one good message reached Seoul's inbox.
    const values = (await inboxB()).map((e) => e.value);
    expect(values.filter((v) => v.startsWith('91.240.118.9'))).toEqual(['91.240.118.90']);
  });

  it('a peer outage: shares queue at A and arrive once each, in order, on recovery (even when an ack is lost)', async () => {
    await proxy.down();
    const ips = Array.from({ length: 6 }, (_, i) => `45.155.206.${200 + i}`);
    const ids: string[] = [];
    for (const ip of ips) {
      const r = await A.call('POST', '/v1/shares', { body: { value: ip, from: 'klid', to: ['peer:seoul-platform'], tlp: 'GREEN', score: 85, reason: `outage test ${ip}` } });
      expect(r.status).toBe(201);
      expect(r.body.targets).toEqual([{ jurisdiction: 'peer:seoul-platform', delivered: true, reason: expect.stringMatching(/^queued for peer seoul-platform/) }]);
      ids.push(r.body.shareId);
    }
    // A keeps trying with backoff while B is unreachable.
    const queue = A.app.get(QueuesService).queue(FEDERATION_QUEUE);
    await eventually(async () => (await queue.getJobs(['delayed', 'waiting', 'active'])).some((j) => j.attemptsMade >= 2), 30_000, 100);
    for (const ip of ips) expect(await inboxB(ip)).toEqual([]);

    // Back up, but the first answer is lost after B applied the message: A sends it again.
    proxy.dropAcks(1);
    const before = proxy.forwarded;
    await proxy.up();
    await eventually(async () => (await edl(B, 'seoul')).filter((v) => ips.includes(v)).length === ips.length, 30_000, 100);
    await eventually(async () => {
      const states = await Promise.all(ids.map(async (id) => (await A.call('GET', `/v1/shares/${id}`)).body.deliveries[0].status));
      return states.every((s) => s === 'acknowledged');
    }, 30_000, 100);
    expect(proxy.forwarded - before).toBeGreaterThan(ips.length); // the lost-ack message went twice

    // Once each: one inbox entry and one decision per address. In order: B's decision ids come from
    // one counter, so their order is the order B applied the messages.
    const entries = (await inboxB()).filter((e) => ips.includes(e.value));
    expect(entries).toHaveLength(ips.length);
    const decisionIds: number[] = [];
    for (const ip of ips) {
      const items = (await B.call('GET', `/v1/decisions?jurisdiction=seoul&value=${ip}`)).body.items;
      expect(items).toHaveLength(1);
      decisionIds.push(Number(items[0].id));
    }
    expect([...decisionIds].sort((a, b) => a - b)).toEqual(decisionIds);
    const audit = (await B.call('GET', '/v1/audit?limit=1000')).body.items.filter((e) => e.action === 'federation.share-received' && ips.includes(String(e.detail?.value)));
    expect(audit).toHaveLength(ips.length);
  });
});

describe('federation between two deployment processes, each on its own Redis', () => {
  let pair: FederatedPair | undefined;
  beforeAll(async () => {
    // Warn-level logs, so that a failure message can show what the processes said.
    pair = await startFederatedPair((url) => {
      const config = testConfig({ redis: { url } });
      return { ...config, log: { ...config.log, level: 'warn' as const } };
    }, { baseMs: 100, maxMs: 800, attempts: 100_000 });
  }, 120_000);
  afterAll(async () => {
    await pair?.stop();
  }, 60_000);

  it("an attack a sensor ingests at A is flagged, blocked and shared; it appears in B's feed, and leaves it when A revokes", async () => {
    const { A, B } = pair!;
    expect(new URL(A.config.redis.url!).port).not.toBe(new URL(B.config.redis.url!).port);
    const as =
      (d: typeof A, key: string | null) =>
      <M extends string, U extends string>(method: M, url: U, body?: Parameters<typeof callDeployment>[4]) =>
        callDeployment(d, key, method, url, body);
    const [adminA, adminB] = [as(A, ADMIN_KEY), as(B, ADMIN_KEY)];
    const sensorKey = await adminA('POST', '/v1/keys', { json: { role: 'sensor', jurisdiction: 'seoul-jongno', name: 'jongno suricata' } });
    const feedKey = await adminB('POST', '/v1/keys', { json: { role: 'feed', jurisdiction: 'seoul', name: 'seoul firewall' } });
    expect([sensorKey.status, feedKey.status]).toEqual([201, 201]);
    const edlB = async () => {
      const r = await as(B, feedKey.body.key)('GET', '/v1/feeds/seoul/edl.txt?comments=false');
      if (r.status !== 200) throw new Error(`B's feed answered ${r.status}: ${r.text}`);
      return r.text.split('\n').filter(Boolean);
    };
    const ip = '45.155.204.31';
    expect(await edlB()).not.toContain(ip);
    const context = () => `\n--- A ---\n${A.output()}\n--- B ---\n${B.output()}`;

    try {
      const ingest = await as(A, sensorKey.body.key)('POST', '/v1/ingest?format=suricata-eve&jurisdiction=seoul-jongno', { ndjson: portScan(ip) });
      expect(ingest).toMatchObject({ status: 202, body: { accepted: 24 } });
      // A: flagged, blocked in Jongno-gu by A's playbook, and shared with the peer.
      const profile = await eventually(async () => {
        const r = await adminA('GET', `/v1/ips/${ip}`);
        return r.status === 200 && r.body.flagged ? r.body : null;
      }, 30_000);
      expect(profile.rules.map((r) => r.id)).toContain('port-scan');
      // (An empty list is truthy: wait for the decision itself.)
      const blocked = await eventually(async () => (await adminA('GET', `/v1/decisions?jurisdiction=seoul-jongno&value=${ip}&active=true`)).body.items[0], 30_000);
      expect(blocked.origin).toMatchObject({ type: 'playbook' });
      const sent = await eventually(async () => (await adminA('GET', `/v1/shares?direction=out&jurisdiction=seoul-jongno&value=${ip}`)).body.items[0], 30_000);
      expect(sent).toMatchObject({ value: ip, from: 'seoul-jongno', tlp: 'AMBER', deliveries: [expect.objectContaining({ jurisdiction: 'peer:seoul-platform', delivered: true })] });

      // B: the address is in Seoul's EDL, by B's policy on A's signed share.
      await eventually(async () => (await edlB()).includes(ip), 30_000);
      const [entry] = (await adminB('GET', `/v1/shares?direction=in&jurisdiction=seoul&value=${ip}`)).body.items;
      expect(entry).toMatchObject({ from: 'peer:klid-hub', origin: 'klid-hub/seoul-jongno', mode: 'auto-block', state: { status: 'blocked' } });
      await eventually(async () => (await adminA('GET', `/v1/shares/${sent.id}`)).body.deliveries[0].status === 'acknowledged', 30_000);

      // Revoked at A: B's decision rested only on that share, so the address leaves B's feed.
      const rv = await adminA('POST', `/v1/shares/${sent.id}/revoke`, { json: { reason: 'false positive: our own scanner' } });
      expect(rv.body).toMatchObject({ revoked: true, peers: ['seoul-platform'] });
      await eventually(async () => !(await edlB()).includes(ip), 30_000);
      expect((await adminB('GET', `/v1/shares?direction=in&jurisdiction=seoul&value=${ip}`)).body.items[0].revoked).toMatchObject({ decision: 'ended' });
    } catch (e) {
      (e as Error).message += context();
      throw e;
    }
  });
});
