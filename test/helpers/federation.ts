import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GwanjeConfig } from '../../src/infra/config/config.schema';
import { generateSigningKeys } from '../../src/sharing/federation/signing';
import type { ReplyTo } from './api';
import { exited, spawnGwanje } from './processes';
import { freePort, startRedisServer } from './redis-server';

/**
 * Two federated deployments, shared by the federation suite and `npm run bench sharing`:
 * A ("klid-hub", KLID's platform) blocks Jongno-gu's port scans and shares them with B
 * ("seoul-platform", Seoul's own), whose policy auto-blocks what KLID's platform sends.
 */
export type SigningKeys = ReturnType<typeof generateSigningKeys>;
export type Retry = GwanjeConfig['sharing']['federation']['retry'];

/** A's playbook: what Jongno-gu's sensors flag as a port scan is blocked there and shared with the peer deployment. */
export const SHARE_TO_PEERS = `apiVersion: gwanje/v1
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
export const TRUST_KLID_HUB = `apiVersion: gwanje/v1
kind: SharingPolicy
id: seoul-platform
jurisdiction: [seoul, seoul-jongno, seoul-gangnam, seoul-mapo]
defaults: { down: auto-block, up: review, across: review, peer: review, min_confidence: 0, max_tlp: AMBER }
trust:
  - { from: peer:klid-hub, mode: auto-block, min_confidence: 0, max_tlp: AMBER }
`;

/** A fresh temporary directory holding `files` (name → text). */
export function yamlDir(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'gw-fed-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

/** A scan of `ports` distinct ports across as many Jongno-gu hosts from one address within the last minute: port-scan and host-scan flag it. */
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

export interface FederationOptions {
  portA: number;
  portB: number;
  keysA: SigningKeys;
  keysB: SigningKeys;
  retry: Retry;
  /** Where A reaches B (default B's own port; the suite puts a switchable proxy in between). */
  urlOfB?: string;
  requestTimeoutMs?: number;
}

/** A's and B's configs: each base (Redis, keys, jurisdictions) with its federation id, key pair, the other as its peer, A's playbook and B's policy. */
export function federationConfigs(baseA: GwanjeConfig, baseB: GwanjeConfig, o: FederationOptions): { A: GwanjeConfig; B: GwanjeConfig } {
  const side = (base: GwanjeConfig, port: number, id: string, keys: SigningKeys, dirs: { playbooks: string; policies: string }, peer: GwanjeConfig['peers'][number]) =>
    GwanjeConfig.parse({
      ...base,
      server: { ...base.server, port },
      playbooks: { ...base.playbooks, dir: dirs.playbooks },
      sharing: {
        ...base.sharing,
        policiesDir: dirs.policies,
        federation: { ...base.sharing.federation, id, privateKey: keys.privateKey, retry: o.retry, ...(o.requestTimeoutMs ? { requestTimeoutMs: o.requestTimeoutMs } : {}) },
      },
      peers: [peer],
    });
  const peer = (id: string, url: string, keys: SigningKeys, targets: string[]) => ({ id, url, publicKey: keys.publicKey, targets, maxTlp: 'AMBER' as const, enabled: true });
  return {
    A: side(baseA, o.portA, 'klid-hub', o.keysA, { playbooks: yamlDir({ 'share.yaml': SHARE_TO_PEERS }), policies: yamlDir() }, peer('seoul-platform', o.urlOfB ?? `http://127.0.0.1:${o.portB}`, o.keysB, ['seoul'])),
    B: side(baseB, o.portB, 'seoul-platform', o.keysB, { playbooks: yamlDir(), policies: yamlDir({ 'policy.yaml': TRUST_KLID_HUB }) }, peer('klid-hub', `http://127.0.0.1:${o.portA}`, o.keysA, ['klid'])),
  };
}

/** A built Gwanje (`all` role) running as its own process. */
export interface DeploymentProcess {
  config: GwanjeConfig;
  url: string;
  child: ChildProcess;
  /** The tail of what the process printed, for failure messages. */
  output(): string;
}

/** Spawn dist/ in the `all` role and wait until its /health answers ok (the API listens only once the workers are up). */
export async function startDeploymentProcess(config: GwanjeConfig, timeoutMs = 120_000): Promise<DeploymentProcess> {
  const child = spawnGwanje('all', config);
  let out = '';
  const keep = (d: Buffer) => void (out = (out + d.toString()).slice(-8000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const url = `http://127.0.0.1:${config.server.port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`gwanje on port ${config.server.port} exited (${child.exitCode ?? child.signalCode}) while starting:\n${out}`);
    const ok = await fetch(`${url}/health`).then((r) => r.ok, () => false);
    if (ok && child.exitCode === null) return { config, url, child, output: () => out };
    if (Date.now() > deadline) {
      await stopProcess(child);
      throw new Error(`gwanje on port ${config.server.port} did not answer /health within ${timeoutMs} ms:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** SIGTERM and wait for the exit (SIGKILL after `graceMs`); resolves with the exit code (null when killed). */
export async function stopProcess(child: ChildProcess, graceMs = 20_000): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const done = exited(child);
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  try {
    return await done;
  } finally {
    clearTimeout(timer);
  }
}

export interface FederatedPair {
  A: DeploymentProcess;
  B: DeploymentProcess;
  keysA: SigningKeys;
  keysB: SigningKeys;
  /** Stop both processes, then both Redis servers; safe to call more than once. Resolves with the processes' exit codes. */
  stop(): Promise<{ A: number | null; B: number | null }>;
}

/**
 * A and B as two `all` processes from dist/, each on its own throwaway redis-server, on loopback.
 * `base(redisUrl)` gives each its base config (a fresh key prefix each call). Ports come from
 * freePort(); should one be taken before the process binds it (EADDRINUSE), the pair is started again on others.
 * On failure everything started here is stopped before the error is thrown.
 */
export async function startFederatedPair(base: (redisUrl: string) => GwanjeConfig, retry: Retry, attempts = 3): Promise<FederatedPair> {
  const redis = [await startRedisServer()];
  const stopRedis = async () => {
    for (const r of redis) if (r.child.exitCode === null && r.child.signalCode === null) await stopProcess(r.child, 5000);
  };
  try {
    redis.push(await startRedisServer());
    const [keysA, keysB] = [generateSigningKeys(), generateSigningKeys()];
    for (let attempt = 1; ; attempt++) {
      const { A: configA, B: configB } = federationConfigs(base(redis[0].url), base(redis[1].url), { portA: await freePort(), portB: await freePort(), keysA, keysB, retry });
      let B: DeploymentProcess | undefined;
      try {
        B = await startDeploymentProcess(configB);
        const A = await startDeploymentProcess(configA);
        let stopped: Promise<{ A: number | null; B: number | null }> | undefined;
        const stop = () =>
          (stopped ??= (async () => {
            const [a, b] = await Promise.all([stopProcess(A.child), stopProcess(B!.child)]);
            await stopRedis();
            return { A: a, B: b };
          })());
        return { A, B, keysA, keysB, stop };
      } catch (e) {
        if (B) await stopProcess(B.child);
        if (attempt >= attempts || !/EADDRINUSE/.test(String(e))) throw e;
      }
    }
  } catch (e) {
    await stopRedis();
    throw e;
  }
}

/** fetch against a deployment with an API key; the body parsed as JSON when it is JSON. */
export async function callDeployment<M extends string, U extends string>(d: { url: string }, key: string | null, method: M, url: U, body?: { json?: unknown; ndjson?: string }) {
  const headers: Record<string, string> = key ? { 'x-api-key': key } : {};
  if (body?.json !== undefined) headers['content-type'] = 'application/json';
  if (body?.ndjson !== undefined) headers['content-type'] = 'application/x-ndjson';
  const res = await fetch(d.url + url, { method, headers, body: body?.ndjson ?? (body?.json === undefined ? undefined : JSON.stringify(body.json)) });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  // Typed as the documented reply of the path, like TestApp.call.
  return { status: res.status, text, body: json as ReplyTo<M, U> };
}
