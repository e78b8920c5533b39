import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { QueuesService } from '../../src/infra/queues/queues.service';
import { generateSigningKeys, parsePrivateKey, signEnvelope } from '../../src/sharing/federation/signing';
import { FEDERATION_QUEUE } from '../../src/sharing/sharing.jobs';
import { eventually, startTestApp, type TestApp } from '../helpers/app';
import { freePort } from '../helpers/redis-server';

/**
 * Two deployments on loopback: A ("klid-hub", KLID's platform) and B ("seoul-platform", Seoul's
 * own), each its own Gwanje (own key prefix, own config, own workers) on the same Redis server.
 * A reaches B through a loopback proxy the test can take down, to stage outages and lost acks.
 *
 * - an attack ingested at A is flagged, blocked by A's playbook and shared to B; B's policy blocks
 *   it and the address appears in B's EDL feed; revoking at A ends it at B
 * - B refuses bad signatures, stale timestamps, replays, unknown and misdirected senders
 * - while B is unreachable A queues; on recovery everything arrives once, in order, even when an
 *   acknowledgement is lost on the way back
 */
jest.setTimeout(90_000);

const keysA = generateSigningKeys();
const keysB = generateSigningKeys();

/** A TCP-level switchable HTTP proxy: `down()` refuses connections, `dropAcks(n)` forwards n requests but cuts the answer. */
async function switchableProxy(port: number, target: () => string) {
  const sockets = new Set<Socket>();
  let drop = 0;
  let forwarded = 0;
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    try {
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
  });
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

function tmpDir(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'gw-fed-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

/** A scan of `ports` distinct ports across as many hosts from one address within the last minute: port-scan and host-scan flag it. */
export function portScan(src: string, ports = 24): string {
  const now = Date.now();
  return Array.from({ length: ports }, (_, k) =>
    JSON.stringify({
      timestamp: new Date(now - (ports - k) * 1000).toISOString().replace('Z', '000+0000'),
      event_type: 'alert',
      src_ip: src,
      src_port: 40000 + k,
      dest_ip: `10.11.0.${20 + k}`,
      dest_port: 1000 + k * 7,
      proto: 'TCP',
      alert: { action: 'allowed', gid: 1, signature_id: 2009582, rev: 3, signature: 'ET SCAN NMAP -sS window 1024', category: 'Attempted Information Leak', severity: 2 },
    }),
  ).join('\n');
}

/** A's playbook: what Jongno-gu's sensors flag as a port scan is blocked there and shared with the peer deployment. */
const SHARE_TO_PEERS = `apiVersion: gwanje/v1
kind: Playbook
id: jongno-share-scans
name: Jongno-gu blocks port scans and shares them with Seoul's platform
owner: seoul-jongno
status: enforcing
trigger:
  on: threat.flagged
  if: '"port-scan" in threat.rules'
steps:
  - id: block
    block: { duration: 1h, reason: "port scan from {{ threat.ip }}" }
  - id: share
    share: { to: [peers], tlp: AMBER, ttl: 1h }
`;

/** B's policy: KLID's platform is trusted for automatic blocks in Seoul. */
const B_POLICY = `apiVersion: gwanje/v1
kind: SharingPolicy
id: seoul-platform
jurisdiction: [seoul, seoul-jongno, seoul-gangnam, seoul-mapo]
defaults: { down: auto-block, up: review, across: review, peer: review, min_confidence: 0, max_tlp: AMBER }
trust:
  - { from: peer:klid-hub, mode: auto-block, min_confidence: 0, max_tlp: AMBER }
`;

let A: TestApp;
let B: TestApp;
let proxy: Awaited<ReturnType<typeof switchableProxy>>;

beforeAll(async () => {
  const [portA, portB, portProxy] = [await freePort(), await freePort(), await freePort()];
  proxy = await switchableProxy(portProxy, () => `http://127.0.0.1:${portB}`);
  const retry = { baseMs: 100, maxMs: 800, attempts: 100_000 };
  A = await startTestApp({
    server: { port: portA },
    playbooks: { dir: tmpDir({ 'share.yaml': SHARE_TO_PEERS }) },
    sharing: { policiesDir: tmpDir(), federation: { id: 'klid-hub', privateKey: keysA.privateKey, retry, requestTimeoutMs: 3000 } },
    peers: [{ id: 'seoul-platform', url: `http://127.0.0.1:${portProxy}`, publicKey: keysB.publicKey, targets: ['seoul'] }],
  } as any);
  B = await startTestApp({
    server: { port: portB },
    playbooks: { dir: tmpDir() },
    sharing: { policiesDir: tmpDir({ 'policy.yaml': B_POLICY }), federation: { id: 'seoul-platform', privateKey: keysB.privateKey, retry } },
    peers: [{ id: 'klid-hub', url: `http://127.0.0.1:${portA}`, publicKey: keysA.publicKey, targets: ['klid'] }],
  } as any);
}, 90_000);
afterAll(async () => {
  await A?.close();
  await B?.close();
  await proxy?.close();
});

const edl = async (app: TestApp, j: string) => (await app.call('GET', `/v1/feeds/${j}/edl.txt?comments=false`)).text.split('\n').filter(Boolean);
const inboxB = async (value?: string) => (await B.call('GET', `/v1/shares?direction=in&jurisdiction=seoul${value ? `&value=${value}` : ''}&limit=500`)).body.items as any[];

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
    const audit = (await B.call('GET', '/v1/audit?limit=1000')).body.items.filter((e: any) => e.action === 'federation.share-received' && ips.includes(e.detail?.value));
    expect(audit).toHaveLength(ips.length);
  });
});
