/**
 * Feed latency with 100,000 active decisions in one jurisdiction, against a built api process on a
 * throwaway Redis: the first request (snapshot load), a fresh rendering (first request after a
 * change), a cached one, and a 304 (If-None-Match), for edl.txt, blocklist.json and stix.json.
 * Times are to the last byte of the body, over a keep-alive connection.
 */
import http from 'node:http';
import Redis from 'ioredis';
import { AllowlistStore } from '../src/blocklist/allowlist.store';
import type { Decision } from '../src/blocklist/decisions.schemas';
import { DecisionsStore } from '../src/blocklist/decisions.store';
import { Tlp } from '../src/contracts/tlp';
import { startRedisServer } from '../test/helpers/redis-server';
import { percentile, spawnRole, stat, stopAll, testConfigFor } from './support';

const TOTAL = Number(process.env.BENCH_DECISIONS ?? 100_000);
const FRESH_ROUNDS = Number(process.env.BENCH_FRESH_ROUNDS ?? 20);
const CACHED_ROUNDS = 50;
const NOT_MODIFIED_ROUNDS = 200;
const J = 'seoul-jongno';
const FORMATS = ['edl.txt', 'blocklist.json', 'stix.json'] as const;

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function get(url: string, headers: Record<string, string>): Promise<{ status: number; ms: number; bytes: number; etag: string }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'GET', headers, agent }, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => (bytes += c.length));
      res.on('end', () => resolve({ status: res.statusCode!, ms: performance.now() - t0, bytes, etag: String(res.headers.etag ?? '') }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A spread of public-looking values: mostly addresses, some /24 networks and IPv6 hosts; scores and TLP vary. */
function decisionAt(i: number, id: string, now: number): Decision {
  const a = 45 + (i >> 16);
  const b = (i >> 8) & 255;
  const c = i & 255;
  const value = i % 20 === 0 ? `2a0d:5600:${(i >> 16).toString(16)}:${(i & 0xffff).toString(16)}::9` : i % 10 === 0 ? `${a + 100}.${b}.${c}.0/24` : `${a}.${b}.${c}.9`;
  const created = now - (i % 3600) * 1000;
  return {
    id,
    value,
    scope: value.includes('/') ? 'range' : 'ip',
    jurisdiction: J,
    type: 'ban',
    created: new Date(created).toISOString(),
    expires: new Date(created + 86_400_000 + (i % 1000) * 60_000).toISOString(),
    origin: i % 3 === 0 ? { type: 'shared', id: `share-${i}`, chain: ['seoul'] } : { type: 'playbook', id: `run-${i % 500}` },
    reason: `bench: rule ${i % 300} matched source ${value}`,
    score: 40 + (i % 61),
    confidence: 40 + (i % 61),
    tlp: Tlp.options[i % 4],
    repeat: 0,
    ended: null,
  };
}

const summary = (xs: number[]) => {
  const s = [...xs].sort((x, y) => x - y);
  return `p50=${percentile(s, 50).toFixed(1)}ms p99=${percentile(s, 99).toFixed(1)}ms`;
};

async function main() {
  const redisServer = await startRedisServer();
  const config = testConfigFor(redisServer.url);
  const redis = new Redis(redisServer.url);
  let api: Awaited<ReturnType<typeof spawnRole>> | null = null;
  try {
    // Load through the store, pipelined (the bulk path skips allowlist checks: these values are made up).
    const store = new DecisionsStore(redis, config);
    const versionKey = new AllowlistStore(redis, config).versionKey;
    const t0 = performance.now();
    const ids = store.nextIds(TOTAL);
    const now = Date.now();
    const stored = await store.insertMany(ids.map((id, i) => decisionAt(i, id, now)), versionKey);
    stat('feeds.decisions', stored, `loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    api = await spawnRole('api', config);
    const admin = { 'x-api-key': config.adminKey! };
    const keyRes = await fetch(`${api.url}/v1/keys`, { method: 'POST', headers: { ...admin, 'content-type': 'application/json' }, body: JSON.stringify({ role: 'feed', jurisdiction: J, name: 'bench' }) });
    const feedKey = ((await keyRes.json()) as { key: string }).key;
    const auth = { authorization: `Bearer ${feedKey}` };
    const url = (f: string) => `${api!.url}/v1/feeds/${J}/${f}`;

    const cold = await get(url('edl.txt'), auth);
    stat('feeds.cold_first_request_ms', cold.ms.toFixed(0), 'snapshot of 100k decisions loaded from Redis, then edl.txt rendered');

    let n = 0;
    const change = async () => {
      // A manual block through the API: a real change, seen by the feed process through Redis.
      n++;
      const r = await fetch(`${api!.url}/v1/decisions`, { method: 'POST', headers: { ...admin, 'content-type': 'application/json' }, body: JSON.stringify({ jurisdiction: J, value: `203.0.${100 + (n >> 8)}.${n & 255}`, duration: '1h', reason: 'bench change' }) });
      if (r.status !== 201) throw new Error(`ban answered ${r.status}: ${await r.text()}`);
      await r.arrayBuffer();
    };

    for (const f of FORMATS) {
      const fresh: number[] = [];
      const cached: number[] = [];
      const notModified: number[] = [];
      let bytes = 0;
      await get(url(f), auth);
      for (let i = 0; i < FRESH_ROUNDS; i++) {
        await change();
        const r = await get(url(f), auth);
        if (r.status !== 200) throw new Error(`${f}: ${r.status}`);
        fresh.push(r.ms);
        bytes = r.bytes;
      }
      let etag = '';
      for (let i = 0; i < CACHED_ROUNDS; i++) {
        const r = await get(url(f), auth);
        cached.push(r.ms);
        etag = r.etag;
      }
      for (let i = 0; i < NOT_MODIFIED_ROUNDS; i++) {
        const r = await get(url(f), { ...auth, 'if-none-match': etag });
        if (r.status !== 304) throw new Error(`${f}: expected 304, got ${r.status}`);
        notModified.push(r.ms);
      }
      const name = f.replace('.', '_');
      stat(`feeds.${name}.bytes`, bytes, `${(bytes / 1e6).toFixed(1)} MB`);
      stat(`feeds.${name}.fresh`, summary(fresh), `first request after a change, ${FRESH_ROUNDS} rounds`);
      stat(`feeds.${name}.cached`, summary(cached), `${CACHED_ROUNDS} requests`);
      stat(`feeds.${name}.304`, summary(notModified), `${NOT_MODIFIED_ROUNDS} requests with If-None-Match`);
    }
    // Firewalls that ask for gzip: compressed once per change, then served from memory.
    const gzFirst = await get(url('edl.txt'), { ...auth, 'accept-encoding': 'gzip' });
    const gzCached: number[] = [];
    for (let i = 0; i < CACHED_ROUNDS; i++) gzCached.push((await get(url('edl.txt'), { ...auth, 'accept-encoding': 'gzip' })).ms);
    stat('feeds.edl_txt.gzip_first', `${gzFirst.ms.toFixed(1)}ms`, `${(gzFirst.bytes / 1e6).toFixed(2)} MB compressed once`);
    stat('feeds.edl_txt.gzip_cached', summary(gzCached));
  } finally {
    agent.destroy();
    redis.disconnect();
    if (api) await stopAll([api.child]);
    redisServer.child.kill('SIGTERM');
  }
}

main().catch((e) => {
  process.stderr.write(`feeds bench failed: ${e.stack ?? e}\n`);
  process.exit(1);
});
