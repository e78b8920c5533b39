/**
 * Sharing between deployments, end to end: an attack ingested at deployment A (KLID's platform)
 * is flagged, blocked and shared by A's playbook, signed and delivered to deployment B (Seoul's
 * platform), accepted by B's trust policy, and served in B's EDL feed. Two `all` processes from
 * dist/, each on its own Redis server, on loopback. Prints p50/p99/max of ingest-at-A → in-B's-feed
 * over BENCH_SHARING_IPS addresses (default 50), one attack at a time.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GwanjeConfig } from '../src/infra/config/config.schema';
import { generateSigningKeys } from '../src/sharing/federation/signing';
import { freePort, startRedisServer } from '../test/helpers/redis-server';
import { percentile, spawnRole, stat, stopAll, testConfigFor } from './support';

const N = Number(process.env.BENCH_SHARING_IPS ?? 50);
const TIMEOUT_MS = 15_000;

const SHARE_TO_PEERS = `apiVersion: gwanje/v1
kind: Playbook
id: jongno-share-scans
name: Jongno-gu blocks scans and shares them with Seoul's platform
owner: seoul-jongno
status: enforcing
trigger:
  on: threat.flagged
  if: '"port-scan" in threat.rules'
steps:
  - id: block
    block: { duration: 1h, reason: "scan from {{ threat.ip }}" }
  - id: share
    share: { to: [peers], tlp: AMBER, ttl: 1h }
`;
const B_POLICY = `apiVersion: gwanje/v1
kind: SharingPolicy
id: seoul-platform
jurisdiction: [seoul, seoul-jongno, seoul-gangnam, seoul-mapo]
trust:
  - { from: peer:klid-hub, mode: auto-block, min_confidence: 0, max_tlp: AMBER }
`;

function dir(files: Record<string, string> = {}): string {
  const d = mkdtempSync(path.join(tmpdir(), 'gw-bench-sharing-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(d, name), text);
  return d;
}

/** 24 ports on 24 hosts within the last half minute: port-scan and host-scan fire, the score passes the threshold. */
function attack(src: string): string {
  const now = Date.now();
  return Array.from({ length: 24 }, (_, k) =>
    JSON.stringify({
      timestamp: new Date(now - (24 - k) * 1000).toISOString().replace('Z', '000+0000'),
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

async function main() {
  const [redisA, redisB] = [await startRedisServer(), await startRedisServer()];
  const [portA, portB] = [await freePort(), await freePort()];
  const [keysA, keysB] = [generateSigningKeys(), generateSigningKeys()];
  const retry = { baseMs: 200, maxMs: 2000, attempts: 100_000 };
  const base = (url: string) => testConfigFor(url);
  const a0 = base(redisA.url);
  const b0 = base(redisB.url);
  const configA = GwanjeConfig.parse({
    ...a0,
    server: { ...a0.server, port: portA },
    playbooks: { ...a0.playbooks, dir: dir({ 'share.yaml': SHARE_TO_PEERS }) },
    sharing: { ...a0.sharing, policiesDir: dir(), federation: { ...a0.sharing.federation, id: 'klid-hub', privateKey: keysA.privateKey, retry } },
    peers: [{ id: 'seoul-platform', url: `http://127.0.0.1:${portB}`, publicKey: keysB.publicKey, targets: ['seoul'] }],
  });
  const configB = GwanjeConfig.parse({
    ...b0,
    server: { ...b0.server, port: portB },
    playbooks: { ...b0.playbooks, dir: dir() },
    sharing: { ...b0.sharing, policiesDir: dir({ 'policy.yaml': B_POLICY }), federation: { ...b0.sharing.federation, id: 'seoul-platform', privateKey: keysB.privateKey, retry } },
    peers: [{ id: 'klid-hub', url: `http://127.0.0.1:${portA}`, publicKey: keysA.publicKey, targets: ['klid'] }],
  });
  const A = await spawnRole('all', configA);
  const B = await spawnRole('all', configB);
  const hdr = (c: GwanjeConfig) => ({ 'x-api-key': c.adminKey! });
  try {
    const times: number[] = [];
    let lost = 0;
    for (let i = 0; i < N; i++) {
      const ip = `45.155.${207 + Math.floor(i / 200)}.${10 + (i % 200)}`;
      const t0 = performance.now();
      const res = await fetch(`${A.url}/v1/ingest?format=suricata-eve&jurisdiction=seoul-jongno`, { method: 'POST', headers: { ...hdr(configA), 'content-type': 'application/x-ndjson' }, body: attack(ip) });
      if (res.status !== 202) throw new Error(`ingest answered ${res.status}: ${await res.text()}`);
      await res.arrayBuffer();
      let seen = false;
      while (performance.now() - t0 < TIMEOUT_MS) {
        const feed = await fetch(`${B.url}/v1/feeds/seoul/edl.txt?comments=false`, { headers: hdr(configB) });
        if ((await feed.text()).split('\n').includes(ip)) {
          seen = true;
          break;
        }
        await new Promise((r) => setTimeout(r, 5));
      }
      if (seen) times.push(performance.now() - t0);
      else lost++;
    }
    times.sort((x, y) => x - y);
    stat('sharing.federation_ips', N);
    stat('sharing.federation_missing', lost, `not in B's feed within ${TIMEOUT_MS} ms`);
    stat('sharing.ingest_to_peer_feed_p50_ms', Math.round(percentile(times, 50)), "A ingest → flagged → blocked → shared → signed delivery → B policy block → B's EDL");
    stat('sharing.ingest_to_peer_feed_p99_ms', Math.round(percentile(times, 99)), 'target < 1000');
    stat('sharing.ingest_to_peer_feed_max_ms', Math.round(times[times.length - 1] ?? NaN));
    if (lost) process.exitCode = 1;
  } finally {
    await stopAll([A.child, B.child]);
    redisA.child.kill('SIGTERM');
    redisB.child.kill('SIGTERM');
  }
}

main().catch((e) => {
  process.stderr.write(`sharing bench failed: ${e.stack ?? e}\n`);
  process.exit(1);
});
