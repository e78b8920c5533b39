import type { Command } from 'commander';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { batchesInTimeOrder, generateScenario, writeScenario, type Scenario } from '../detection/scenario/generator';
import { loadConfig } from '../infra/config/config.loader';
import { API_OPTION_HELP, apiFetch, apiKey, defaultApiUrl, problemText } from './api';
import { CliError, fail } from './output';

interface ScenarioOptions {
  seed: string;
  out?: string;
  load?: boolean;
  url?: string;
  key?: string;
  hours: string;
  end?: string;
  users: string;
  scanners: string;
  attackers: string;
}

/** `gwanje scenario`: seeded, labelled detection traffic (Suricata EVE and FortiGate lines per jurisdiction, labels.json). */
export function registerScenario(program: Command) {
  program
    .command('scenario')
    .description('a seeded, labelled traffic scenario for detection (benign background and attacks): written to --out, or posted to a running Gwanje with --load')
    .addHelpText('after', '\nExit codes: 0 done; 1 API unreachable or it refused a batch; 2 bad arguments.\n')
    .option('--seed <n>', 'random seed (the same seed writes the same lines)', '1')
    .option('--out <dir>', 'output directory (default ./var/scenario; with --load, files are written only if --out is given)')
    .option('--load', 'post the scenario to the running API, jurisdiction by jurisdiction in time order, then report what detection flagged')
    .option('--url <url>', API_OPTION_HELP.url)
    .option('--key <key>', `${API_OPTION_HELP.key}; --load posts for every jurisdiction, so a hub admin key`)
    .option('--hours <n>', 'scenario length in hours', '3')
    .option('--end <time>', 'when the scenario ends (ISO 8601; default now): with the seed, fixes every line')
    .option('--users <n>', 'benign users', '3000')
    .option('--scanners <n>', 'benign internet-wide scanners', '200')
    .option('--attackers <n>', 'attackers of each kind', '3')
    .action((opts: ScenarioOptions) =>
      guardedScenario(async () => {
        const num = (name: string, v: string, min: number) => {
          const n = Number(v);
          if (!Number.isFinite(n) || n < min) fail(`--${name}: ${v} is not a number ≥ ${min}`);
          return n;
        };
        const target = opts.load ? { base: opts.url ?? defaultApiUrl(), key: apiKey(opts.key) } : null;
        const config = loadConfig();
        const jurisdictions = config.jurisdictions.filter((j) => j.parent && j.cidrs.length).map((j) => ({ id: j.id, cidr: j.cidrs[0] }));
        if (!jurisdictions.length) fail('the configuration declares no jurisdiction below a hub with a CIDR to aim at');
        const durationMs = num('hours', opts.hours, 0.1) * 3_600_000;
        const end = opts.end === undefined ? Date.now() : Date.parse(opts.end);
        if (!Number.isFinite(end)) fail(`--end: ${opts.end} is not an ISO 8601 time`);
        const s = generateScenario({
          seed: Math.trunc(num('seed', opts.seed, 0)),
          start: end - durationMs,
          durationMs,
          jurisdictions,
          users: Math.trunc(num('users', opts.users, 0)),
          scanners: Math.trunc(num('scanners', opts.scanners, 0)),
          attackersPerKind: Math.trunc(num('attackers', opts.attackers, 1)),
        });
        const kinds = new Map<string, number>();
        for (const a of s.labels.attackers) kinds.set(a.kind, (kinds.get(a.kind) ?? 0) + 1);
        process.stdout.write(`scenario seed ${s.labels.seed}: ${s.labels.events} lines, ${s.labels.benign.ips.length} benign IPs, ${s.labels.attackers.length} attackers (${[...kinds].map(([k, n]) => `${k} ${n}`).join(', ')})\n`);
        if (!opts.load || opts.out !== undefined) {
          const files = writeScenario(s, path.resolve(opts.out ?? './var/scenario'));
          process.stdout.write(files.map((f) => `  ${path.relative(process.cwd(), f)}\n`).join(''));
          if (!opts.load) process.stdout.write(`load it into a running Gwanje: gwanje scenario --load; or one file: gwanje replay <file> --format suricata-eve|fortigate --jurisdiction <id>\n`);
        }
        if (target) await load(s, target.base, target.key);
      }),
    );
}

/** Bad input ends the command with its message and exit code, never a stack trace. */
async function guardedScenario(f: () => Promise<void>) {
  try {
    await f();
  } catch (e) {
    process.stderr.write(`\ngwanje scenario: ${(e as Error).message}\n`);
    process.exitCode = e instanceof CliError ? e.exitCode : 1;
  }
}

const headers = (key: string) => ({ 'x-api-key': key });

/**
 * Post the scenario as sensors would (every 5 minutes of scenario time, one batch per
 * jurisdiction and format), wait for the workers to store and score it, then say which labelled
 * attackers detection flagged. Batches carry an Idempotency-Key, so re-running it is a no-op.
 */
async function load(s: Scenario, base: string, key: string) {
  const batches = batchesInTimeOrder(s, 5 * 60_000);
  const per = new Map<string, { lines: number; accepted: number; rejected: number }>();
  const started = Date.now();
  let replayed = 0;
  for (const [n, b] of batches.entries()) {
    const body = b.events.map((e) => e.line).join('\n');
    const idem = 'scenario-' + createHash('sha256').update(`${b.jurisdiction}\0${b.format}\0${body}`).digest('hex').slice(0, 40);
    const params = new URLSearchParams({ format: b.format, jurisdiction: b.jurisdiction });
    const res = await apiFetch(base, `/v1/ingest?${params}`, { method: 'POST', headers: { ...headers(key), 'content-type': 'text/plain', 'content-encoding': 'gzip', 'idempotency-key': idem }, body: gzipSync(body) });
    if (res.status !== 202) fail(`batch ${n + 1} (${b.jurisdiction}, ${b.format}): ${await problemText(res)}`, 1);
    const answer = (await res.json()) as { accepted: number; rejected: unknown[]; rejectedCount?: number; duplicate: boolean };
    const j = per.get(b.jurisdiction) ?? per.set(b.jurisdiction, { lines: 0, accepted: 0, rejected: 0 }).get(b.jurisdiction)!;
    j.lines += b.events.length;
    j.accepted += answer.accepted;
    j.rejected += answer.rejectedCount ?? answer.rejected.length;
    if (answer.duplicate) replayed++;
    if (process.stderr.isTTY) process.stderr.write(`\rposting ${n + 1}/${batches.length} batches`);
  }
  if (process.stderr.isTTY) process.stderr.write('\n');
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  process.stdout.write(`loaded into ${base}: ${batches.length} requests in ${secs} s${replayed ? ` (${replayed} already sent before: no-op)` : ''}\n`);
  for (const [id, j] of [...per].sort(([a], [b]) => a.localeCompare(b))) process.stdout.write(`  ${id.padEnd(20)} ${j.lines} lines, accepted ${j.accepted}, rejected ${j.rejected}\n`);

  // The workers store and score asynchronously: wait until the ingest queue is empty.
  const drainedBy = Date.now() + 300_000;
  for (;;) {
    const health = (await (await apiFetch(base, '/health', {})).json().catch(() => ({}))) as { queues?: { ingest?: { waiting: number; active: number; delayed: number } } };
    const q = health.queues?.ingest;
    if (q && q.waiting + q.active + q.delayed === 0) break;
    if (Date.now() > drainedBy) fail('the ingest queue did not drain within 5 minutes (are workers running? GET /health)', 1);
    await new Promise((r) => setTimeout(r, 250));
  }
  const res = await apiFetch(base, '/v1/threats?min_score=1&limit=500', { headers: headers(key) });
  if (res.status !== 200) fail(`reading /v1/threats: ${await problemText(res)}`, 1);
  const threats = ((await res.json()) as { items: Array<{ ip: string; flagged: boolean }> }).items;
  const flagged = new Set(threats.filter((t) => t.flagged).map((t) => t.ip));
  const attackers = s.labels.attackers.filter((a) => flagged.has(a.ip)).length;
  const benign = s.labels.benign.ips.filter((ip) => flagged.has(ip)).length;
  process.stdout.write(
    `detection: ${attackers} of ${s.labels.attackers.length} labelled attackers flagged, ${benign} benign IPs flagged\n` +
      `see them: ${base}/#/threats (dashboard), or GET ${base}/v1/threats\n`,
  );
}
