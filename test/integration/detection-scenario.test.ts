import { QueuesService } from '../../src/infra/queues/queues.service';
import { DetectionStore } from '../../src/detection/detection.store';
import { batchesInTimeOrder, generateScenario } from '../../src/detection/scenario/generator';
import { scoreScenario } from '../../src/detection/scenario/evaluate';
import { ThreatFlaggedJob, ThreatFlaggedPayload } from '../../src/contracts/jobs';
import { eventually, startTestApp, type TestApp } from '../helpers/app';

/**
 * The seeded scenario through the real pipeline: HTTP ingest with the admin key per jurisdiction,
 * real Redis, the real worker and detection sink. Flags are read from the playbooks queue.
 */
describe('detection scenario (real pipeline)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  }, 60_000);
  afterAll(() => app.close());

  it('flags ≥ 95% of attacker IPs and no benign IP', async () => {
    const jurisdictions = app.config.jurisdictions.filter((j) => j.parent).map((j) => ({ id: j.id, cidr: j.cidrs[0] }));
    const durationMs = 3 * 3_600_000;
    const scenario = generateScenario({ seed: 7, start: Date.now() - durationMs - 60_000, durationMs, jurisdictions, users: 2500, scanners: 200, attackersPerKind: 3 });
    for (const b of batchesInTimeOrder(scenario, 5 * 60_000)) {
      const res = await app.call('POST', `/v1/ingest?format=${b.format}&jurisdiction=${b.jurisdiction}`, { raw: b.events.map((e) => e.line).join('\n') });
      expect(res.status).toBe(202);
      expect(res.body.rejected).toEqual([]);
    }
    await eventually(async () => {
      const q = (await app.call('GET', '/health')).body.queues?.ingest;
      return q && q.waiting === 0 && q.active === 0 && q.delayed === 0;
    }, 120_000, 200);

    // The playbooks queue is shared: the runs the flags start (playbooks.run) and the shares those
    // runs make (sharing.indicator-received) travel on it too. Only threat.flagged jobs are flags.
    const jobs = await app.app.get(QueuesService).queue(ThreatFlaggedJob.queue).getJobs(['waiting', 'active', 'completed', 'failed', 'delayed'], 0, -1);
    const flags = jobs.filter((j) => j.name === ThreatFlaggedJob.name).map((j) => ({ job: j, data: ThreatFlaggedPayload.parse(j.data) }));
    expect(flags.length).toBeGreaterThan(0);
    const result = scoreScenario(
      scenario.labels,
      flags.map(({ job, data }) => ({ ip: data.ip, flaggedAt: job.timestamp, decidingReceived: Date.parse(data.decidingAlert.received) })),
    );
    // Shown when the assertion fails: which attackers were missed, which benign IPs were flagged and why.
    const why = result.falsePositives.map((ip) => flags.find((f) => f.data.ip === ip)!.data.contributions.map((c) => c.detail));
    expect({ missed: result.missed, falsePositives: result.falsePositives, why }).toEqual({ missed: expect.any(Array), falsePositives: [], why: [] });
    expect(result.recall).toBeGreaterThanOrEqual(0.95);
    expect(result.precision).toBe(1);

    // The multi-jurisdiction attacker is flagged as such: several jurisdictions in the event and its reasons.
    const multi = scenario.labels.attackers.find((a) => a.kind === 'multi-jurisdiction')!;
    const flag = flags.find((f) => f.data.ip === multi.ip)!.data;
    expect(flag.jurisdictions.length).toBeGreaterThanOrEqual(3);
    expect(flag.contributions.map((c) => c.factor)).toEqual(expect.arrayContaining(['jurisdictions']));
    // The flag log in the detection store agrees with the queue: one entry per (ip, generation).
    const log = await app.app.get(DetectionStore).recentFlags(10_000);
    expect(new Set(log.map((l) => JSON.stringify([l.ip, l.generation]))).size).toBe(flags.length);
    process.stdout.write(`detection scenario: ${scenario.events.length} events, ${result.attackers} attackers, recall=${result.recall.toFixed(3)} precision=${result.precision.toFixed(3)} latency p50=${result.latencyMs.p50} ms p99=${result.latencyMs.p99} ms\n`);
  }, 300_000);
});
