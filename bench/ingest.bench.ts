/**
 * Ingest throughput: HTTP → normalize → queue → worker → stored, with one api and one worker
 * process (as deployed), on a throwaway Redis. Prints sustained alerts/s and peak RSS.
 */
import { readFileSync } from 'node:fs';
import Redis from 'ioredis';
import { startRedisServer } from '../test/helpers/redis-server';
import { testConfigFor, spawnRole, stopAll, stat } from './support';

const TOTAL = Number(process.env.BENCH_ALERTS ?? 200_000);
const PER_REQUEST = 5000;
const PARALLEL = 4;

const line = (i: number) =>
  `{"timestamp":"2026-01-01T00:${String((i / 60) % 60 | 0).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}.${String(i % 1e6).padStart(6, '0')}+0900","flow_id":${1e15 + i},"in_iface":"eth0","event_type":"alert","src_ip":"${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}.7","src_port":${1024 + (i % 60000)},"dest_ip":"10.11.0.${i % 250}","dest_port":${[22, 80, 443, 3389][i % 4]},"proto":"TCP","alert":{"action":"allowed","gid":1,"signature_id":${2000000 + (i % 300)},"rev":1,"signature":"ET SCAN test signature ${i % 300}","category":"Attempted Information Leak","severity":${1 + (i % 3)}}}`;

const peakRssMb = (pid: number) => {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
};

async function main() {
  const redisServer = await startRedisServer();
  const config = testConfigFor(redisServer.url);
  const api = await spawnRole('api', config);
  const worker = await spawnRole('worker', config);
  const redis = new Redis(redisServer.url);
  try {
    const bodies: string[] = [];
    for (let i = 0; i < TOTAL; i += PER_REQUEST) bodies.push(Array.from({ length: Math.min(PER_REQUEST, TOTAL - i) }, (_, k) => line(i + k)).join('\n'));
    const bytes = bodies.reduce((n, b) => n + b.length, 0);
    const t0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: PARALLEL }, async () => {
        while (next < bodies.length) {
          const body = bodies[next++];
          const res = await fetch(`${api.url}/v1/ingest?format=suricata-eve&jurisdiction=seoul-jongno`, { method: 'POST', headers: { 'x-api-key': config.adminKey!, 'content-type': 'application/x-ndjson' }, body });
          if (res.status !== 202) throw new Error(`ingest answered ${res.status}: ${await res.text()}`);
          await res.arrayBuffer();
        }
      }),
    );
    const tAccepted = performance.now();
    const key = `${config.redis.keyPrefix}:alerts:j:seoul-jongno`;
    while ((await redis.xlen(key)) < TOTAL) await new Promise((r) => setTimeout(r, 20));
    const tStored = performance.now();
    const secs = (tStored - t0) / 1000;
    stat('ingest.alerts', TOTAL);
    stat('ingest.body_mb', (bytes / 1e6).toFixed(1));
    stat('ingest.http_accept_alerts_per_s', Math.round(TOTAL / ((tAccepted - t0) / 1000)));
    stat('ingest.end_to_end_alerts_per_s', Math.round(TOTAL / secs), 'HTTP → normalized → queued → stored, 1 api + 1 worker process');
    stat('ingest.api_peak_rss_mb', peakRssMb(api.child.pid!));
    stat('ingest.worker_peak_rss_mb', peakRssMb(worker.child.pid!));
    const info = await redis.info('memory');
    stat('ingest.redis_used_mb', Math.round(Number(/used_memory:(\d+)/.exec(info)![1]) / 1e6));
    // Where Redis spent its time: the end-to-end figure is bounded by this single thread.
    const cmds = [...(await redis.info('commandstats')).matchAll(/cmdstat_(\S+):calls=(\d+),usec=(\d+)/g)].map((m) => ({ cmd: m[1], calls: Number(m[2]), ms: Number(m[3]) / 1000 }));
    const busy = cmds.reduce((n, c) => n + c.ms, 0);
    stat('ingest.redis_busy_s', (busy / 1000).toFixed(1), `of ${secs.toFixed(1)} s; top: ${cmds.sort((a, b) => b.ms - a.ms).slice(0, 4).map((c) => `${c.cmd} ${Math.round((100 * c.ms) / busy)}%`).join(', ')}`);
  } finally {
    redis.disconnect();
    await stopAll([api.child, worker.child]);
    redisServer.child.kill('SIGTERM');
  }
}

main().catch((e) => {
  process.stderr.write(`ingest bench failed: ${e.stack ?? e}\n`);
  process.exit(1);
});
