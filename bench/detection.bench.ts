/**
 * Detection quality and speed: the seeded scenario (benign background and labelled attacks)
 * through the real pipeline — HTTP ingest on an api process, a worker process that stores and
 * scores, flags queued for the playbook engine — on a throwaway Redis. Prints precision, recall
 * and the time from the deciding alert's arrival at the API to its flag being queued (p50/p99).
 * The playbook engine is off so the flags stay on the queue to be read back.
 */
import { Queue } from 'bullmq';
import { batchesInTimeOrder, generateScenario } from '../src/detection/scenario/generator';
import { scoreScenario } from '../src/detection/scenario/evaluate';
import { ThreatFlaggedJob, ThreatFlaggedPayload } from '../src/contracts/jobs';
import { startRedisServer } from '../test/helpers/redis-server';
import { spawnRole, stat, stopAll, testConfigFor } from './support';

const SEED = Number(process.env.BENCH_SEED ?? 7);
const HOURS = Number(process.env.BENCH_HOURS ?? 6);
const USERS = Number(process.env.BENCH_USERS ?? 5000);
const SCANNERS = Number(process.env.BENCH_SCANNERS ?? 300);
const ATTACKERS = Number(process.env.BENCH_ATTACKERS_PER_KIND ?? 5);

async function main() {
  const redisServer = await startRedisServer();
  const config = testConfigFor(redisServer.url, { playbooks: { enabled: false } } as never);
  const api = await spawnRole('api', config);
  const worker = await spawnRole('worker', config);
  const connection = { host: '127.0.0.1', port: redisServer.port };
  const queue = new Queue(ThreatFlaggedJob.queue, { connection, prefix: `${config.redis.keyPrefix}:q` });
  try {
    const jurisdictions = config.jurisdictions.filter((j) => j.parent).map((j) => ({ id: j.id, cidr: j.cidrs[0] }));
    const durationMs = HOURS * 3_600_000;
    const scenario = generateScenario({ seed: SEED, start: Date.now() - durationMs - 60_000, durationMs, jurisdictions, users: USERS, scanners: SCANNERS, attackersPerKind: ATTACKERS });
    // Sensors forwarding every minute, posted as fast as the API takes them (in scenario time order).
    const batches = batchesInTimeOrder(scenario, 60_000);
    const t0 = performance.now();
    for (const b of batches) {
      const res = await fetch(`${api.url}/v1/ingest?format=${b.format}&jurisdiction=${b.jurisdiction}`, { method: 'POST', headers: { 'x-api-key': config.adminKey!, 'content-type': 'application/x-ndjson' }, body: b.events.map((e) => e.line).join('\n') });
      if (res.status !== 202) throw new Error(`ingest answered ${res.status}: ${await res.text()}`);
      const body = (await res.json()) as { rejected: unknown[] };
      if (body.rejected.length) throw new Error(`lines rejected: ${JSON.stringify(body.rejected.slice(0, 3))}`);
    }
    // Drained when every alert is stored (and so scored: the worker scores a chunk before acking it).
    const ingestQueue = new Queue('ingest', { connection, prefix: `${config.redis.keyPrefix}:q` });
    for (;;) {
      const c = await ingestQueue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
      if (!c.waiting && !c.active && !c.delayed && !c.prioritized) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const secs = (performance.now() - t0) / 1000;
    await ingestQueue.close();

    const jobs = await queue.getJobs(['waiting', 'active', 'completed', 'failed', 'delayed'], 0, -1);
    const flags = jobs.filter((j) => j.name === ThreatFlaggedJob.name).map((j) => ({ job: j, data: ThreatFlaggedPayload.parse(j.data) }));
    const result = scoreScenario(
      scenario.labels,
      flags.map(({ job, data }) => ({ ip: data.ip, flaggedAt: job.timestamp, decidingReceived: Date.parse(data.decidingAlert.received) })),
    );
    stat('detection.events', scenario.events.length, `${HOURS} h of traffic, seed ${SEED}`);
    stat('detection.benign_ips', scenario.labels.benign.ips.length);
    stat('detection.attackers', result.attackers);
    stat('detection.flagged_ips', result.flaggedIps);
    stat('detection.flags', flags.length, 're-flags included');
    stat('detection.precision', result.precision.toFixed(3));
    stat('detection.recall', result.recall.toFixed(3));
    if (result.missed.length) stat('detection.missed', result.missed.map((m) => `${m.ip}(${m.kind})`).join(','));
    if (result.falsePositives.length) stat('detection.false_positives', result.falsePositives.join(','));
    stat('detection.flag_latency_p50_ms', result.latencyMs.p50, 'deciding alert received by the API → threat.flagged queued');
    stat('detection.flag_latency_p99_ms', result.latencyMs.p99);
    stat('detection.flag_latency_max_ms', result.latencyMs.max);
    stat('detection.end_to_end_alerts_per_s', Math.round(scenario.events.length / secs), `posted in ${batches.length} requests, stored and scored, 1 api + 1 worker process`);
  } finally {
    await queue.close();
    await stopAll([api.child, worker.child]);
    redisServer.child.kill('SIGTERM');
  }
}

main().catch((e) => {
  process.stderr.write(`detection bench failed: ${e.stack ?? e}\n`);
  process.exit(1);
});
