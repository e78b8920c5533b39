import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { AlertsStore } from '../alerts/alerts.store';
import { parseDuration } from '../contracts/duration';
import { loadConfig } from '../infra/config/config.loader';
import type { GwanjeConfig } from '../infra/config/config.schema';
import { NormalizedAlert } from '../contracts/alert';
import { backtest, type BacktestReport } from '../playbooks/backtest/backtest';
import { replayDetection } from '../playbooks/backtest/replay';
import { decisionsOf, dryRun, runPlaybookTests } from '../playbooks/engine/dry-run';
import { dryEffects } from '../playbooks/engine/dry-effects';
import { executorOptionsOf, offlineDryOptions, useConfigContext } from '../playbooks/engine/offline';
import { formatLoadError, loadFile, loadPaths, loadText, type LoadedDocument } from '../playbooks/loader/loader';
import { compilePlaybook, type CompiledPlaybook } from '../playbooks/model/compile';
import type { Playbook } from '../playbooks/model/playbook.schema';
import '../playbooks/model/register';
import '../detection/rules/rules.service';
import '../sharing/policy/policies.service';
import { alertTrigger, testTrigger, testTriggerSchema, threatFlaggedTrigger, type TriggerInstance } from '../playbooks/model/variables';
import { VersionsStore } from '../playbooks/registry/versions.store';
import { openContext } from './context';
import { CliError, fail, withContext } from './output';

/**
 * Playbook tooling: `validate` and `test` (for CI of playbook repositories: no Redis needed),
 * `simulate` (a trigger file, or alerts replayed through detection) and `backtest` (stored alerts
 * from Redis through detection, the given playbook and the version now running). None of them acts.
 */

const out = (s: string) => process.stdout.write(s + '\n');
const paths = (given: string[], config: GwanjeConfig) => (given.length ? given : [config.playbooks.dir]);

function readJson(file: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    fail(`${what}: cannot read ${file}: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch {
    // NDJSON: one JSON value per line.
    try {
      return text
        .split('\n')
        .filter((l) => l.trim())
        .map((l) => JSON.parse(l));
    } catch (e) {
      fail(`${what}: ${file} is neither JSON nor NDJSON: ${(e as Error).message}`);
    }
  }
}

/** The one Playbook document of a file; load errors end the command (exit 1) printed as file:line:col. */
function onePlaybook(file: string): LoadedDocument<Playbook> {
  const res = loadFile<Playbook>(file, { kinds: ['Playbook'] });
  if (res.errors.length) {
    for (const e of res.errors) process.stderr.write(formatLoadError(e) + '\n');
    fail(`${file}: ${res.errors.length} error(s)`, 1);
  }
  if (res.documents.length !== 1) fail(`${file}: expected one kind: Playbook document, found ${res.documents.length}`);
  return res.documents[0];
}

/** Normalized alerts (as GET /v1/alerts returns them: an array, {items: [...]}, or NDJSON). */
function alertsOf(file: string): NormalizedAlert[] {
  const raw = readJson(file, '--alerts');
  const list = Array.isArray(raw) ? raw : raw && typeof raw === 'object' && Array.isArray((raw as { items?: unknown }).items) ? (raw as { items: unknown[] }).items : fail('--alerts: expected an array of normalized alerts (or {items: [...]} as GET /v1/alerts returns)');
  return list.map((a, i) => {
    const r = NormalizedAlert.safeParse(a);
    if (!r.success) fail(`--alerts: alert ${i + 1}: ${r.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ')}`);
    return r.data;
  });
}

function printRun(r: Awaited<ReturnType<typeof dryRun>>) {
  if (!r.triggered) return out(`  not triggered${r.error ? ` (${r.error})` : ''}`);
  const run = r.run!;
  out(`  status: ${run.status}${run.stopReason ? ` (${run.stopReason})` : ''}`);
  for (const s of run.steps) out(`  ${s.id.padEnd(20)} ${s.action.padEnd(8)} ${s.status}${s.error ? `  ${s.error}` : ''}`);
  const ds = decisionsOf(run);
  out(`  decisions: ${ds.length ? ds.map((d) => `${d.value} in ${d.jurisdiction} for ${d.duration}`).join(', ') : 'none'}`);
}

/** Past triggers for a playbook: flags raised by replaying the alerts through detection, or the alerts themselves. */
async function triggersFrom(pb: CompiledPlaybook, alerts: NormalizedAlert[], detect: (a: NormalizedAlert[]) => Promise<Parameters<typeof threatFlaggedTrigger>[0][]>): Promise<TriggerInstance[]> {
  if (pb.doc.trigger.on === 'alert') return alerts.map((a) => alertTrigger(a, null));
  if (pb.doc.trigger.on !== 'threat.flagged') fail(`${pb.id} is triggered by ${pb.doc.trigger.on}; only threat.flagged and alert playbooks can be replayed from alerts`);
  return (await detect(alerts)).map(threatFlaggedTrigger);
}

function printBacktest(r: BacktestReport, since: string, alerts: number) {
  out(`backtest of ${r.playbook} over the last ${since}: ${alerts} stored alerts, ${r.triggers} triggers`);
  out(`  candidate: ${r.candidate.runs} runs, ${r.candidate.decisions} decisions`);
  out(r.running ? `  running (version ${r.running.version}): ${r.running.runs} runs, ${r.running.decisions} decisions` : '  running: none (a new playbook)');
  out(`  changed: ${r.changed} of ${r.triggers} triggers`);
  for (const row of r.rows) {
    if (!row.added.length && !row.removed.length && row.candidate.status === row.running?.status) continue;
    out(`  ${row.trigger}: ${row.running ? `${row.running.status ?? 'not triggered'} → ` : ''}${row.candidate.status ?? 'not triggered'}`);
    for (const d of row.added) out(`    + block ${d.value} in ${d.jurisdiction} for ${d.duration}`);
    for (const d of row.removed) out(`    - block ${d.value} in ${d.jurisdiction} for ${d.duration}`);
  }
}

export function registerPlaybooks(program: Command) {
  program
    .command('validate [paths...]')
    .description('validate YAML documents (Playbook, DetectionRule, SharingPolicy); errors as file:line:col  path  message; exit 1 on any error')
    .action((given: string[]) =>
      guarded(async () => {
        const config = loadConfig();
        useConfigContext(config);
        const res = loadPaths(paths(given, config));
        for (const e of res.errors) out(formatLoadError(e));
        const kinds = new Map<string, number>();
        for (const d of res.documents) kinds.set(d.kind, (kinds.get(d.kind) ?? 0) + 1);
        // A file whose only document is broken has a document: say "none valid", not "no documents".
        const files = new Set(res.errors.map((e) => e.file)).size;
        const summary = [...kinds].map(([k, n]) => `${n} ${k}`).join(', ') || (res.errors.length ? 'no valid document' : 'no documents');
        process.stderr.write(`${summary}; ${res.errors.length} error(s)${files ? ` in ${files} file${files === 1 ? '' : 's'}` : ''}\n`);
        if (res.errors.length) process.exitCode = 1;
      }),
    );

  program
    .command('test [paths...]')
    .description("run each playbook's tests: with no side effects; exit 1 if any fails (or a file does not validate)")
    .option('-v, --verbose', 'print every step of every test')
    .action((given: string[], opts: { verbose?: boolean }) =>
      guarded(async () => {
        const config = loadConfig();
        useConfigContext(config);
        const res = loadPaths<Playbook>(paths(given, config), { kinds: ['Playbook'] });
        for (const e of res.errors) out(formatLoadError(e));
        let passed = 0;
        let failed = 0;
        for (const doc of res.documents) {
          for (const t of await runPlaybookTests(doc, offlineDryOptions(config), executorOptionsOf(config))) {
            if (t.ok) passed++;
            else failed++;
            out(`${t.ok ? 'ok  ' : 'FAIL'}  ${path.relative(process.cwd(), t.file) || t.file}  ${t.playbook}  ${t.test}`);
            for (const f of t.failures) out(`        ${f}`);
            if (opts.verbose && t.run) for (const s of t.run.steps) out(`        ${s.id}: ${s.status}${s.error ? ` (${s.error})` : ''}`);
          }
        }
        process.stderr.write(`${passed} passed, ${failed} failed, ${res.errors.length} load error(s)\n`);
        if (failed || res.errors.length) process.exitCode = 1;
      }),
    );

  program
    .command('simulate <playbook>')
    .description('dry-run a playbook file against a trigger (as its tests: write it) or against alerts replayed through detection (needs Redis); nothing acts')
    .option('--trigger <file>', 'JSON: {"threat": {...}} | {"indicator": {...}} | {"alert": {...}}')
    .option('--alerts <file>', 'normalized alerts (JSON array, {items}, or NDJSON, as GET /v1/alerts returns them)')
    .option('--approval <outcome>', 'how approvals end: approve | deny | timeout', 'approve')
    .option('--previous-bans <n>', 'earlier bans of the target (escalation)', '0')
    .option('--json', 'print the result as JSON')
    .action((file: string, opts: { trigger?: string; alerts?: string; approval: string; previousBans: string; json?: boolean }) =>
      guarded(async () => {
        const config = loadConfig();
        useConfigContext(config);
        if (!opts.trigger === !opts.alerts) fail('give either --trigger <file> or --alerts <file>');
        const approval = z.enum(['approve', 'deny', 'timeout']).safeParse(opts.approval);
        if (!approval.success) fail(`--approval: ${opts.approval} is not one of approve, deny, timeout`);
        const bans = Number(opts.previousBans);
        if (!Number.isInteger(bans) || bans < 0) fail(`--previous-bans: ${opts.previousBans} is not a whole number ≥ 0`);
        const doc = onePlaybook(file);
        const pb = compilePlaybook(doc.value, doc.hash);
        const effects = dryEffects({ ...offlineDryOptions(config), previousBans: bans });
        const exec = { ...executorOptionsOf(config), approvalOutcome: approval.data };
        let triggers: TriggerInstance[];
        if (opts.trigger) {
          const parsed = testTriggerSchema(pb.doc.trigger.on).safeParse(readJson(opts.trigger, '--trigger'));
          if (!parsed.success) fail(`--trigger: not a ${pb.doc.trigger.on} trigger: ${parsed.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ')}`);
          triggers = [testTrigger(pb.doc.trigger.on, parsed.data as Record<string, unknown>, 'simulate')];
        } else {
          const alerts = alertsOf(opts.alerts!);
          triggers = await withRedis(async (redis) => triggersFrom(pb, alerts, (a) => replayDetection(redis, config, a)));
        }
        const results = [];
        for (const t of triggers) {
          const r = await dryRun(pb, t, effects, exec);
          results.push({ trigger: t.key, ip: t.ip, triggered: r.triggered, status: r.run?.status ?? null, steps: r.run?.steps.map((s) => ({ id: s.id, action: s.action, status: s.status, input: s.input, result: s.result, error: s.error })) ?? [], decisions: r.run ? decisionsOf(r.run) : [] });
          if (!opts.json) {
            out(`${pb.id} ← ${t.summary}`);
            printRun(r);
          }
        }
        if (opts.json) out(JSON.stringify({ playbook: pb.id, results }, null, 2));
        else if (!triggers.length) out(`${pb.id}: no trigger (the alerts raised no flag)`);
      }),
    );

  program
    .command('backtest <playbook>')
    .description('replay stored alerts through detection and a playbook (a file, or the id of a stored one), and compare its decisions with the version now running')
    .option('--since <duration>', 'how far back, e.g. 24h or 7d', '7d')
    .option('--limit <n>', 'at most this many alerts (newest)', '100000')
    .option('--json', 'print the report as JSON')
    .action((given: string, opts: { since: string; limit: string; json?: boolean }) =>
      withContext(openContext, async (ctx) => {
        const config = ctx.config;
        useConfigContext(config);
        const sinceMs = parseDuration(opts.since);
        if (!sinceMs) fail(`--since: ${opts.since} is not a duration like 24h or 7d`);
        const limit = Number(opts.limit);
        if (!Number.isInteger(limit) || limit < 1) fail(`--limit: ${opts.limit} is not a whole number ≥ 1`);
        const versions = new VersionsStore(ctx.redis, config);
        const loadStored = async (id: string): Promise<CompiledPlaybook | null> => {
          const head = await versions.head(id);
          if (!head || head.removed) return null;
          const text = await versions.text(head.hash);
          if (!text) return null;
          const res = loadText<Playbook>(text, `${id} version ${head.version}`, { kinds: ['Playbook'] });
          return res.documents[0] ? compilePlaybook(res.documents[0].value, head.hash, head.version) : null;
        };
        let candidate: CompiledPlaybook;
        if (/\.ya?ml$/i.test(given) || given.includes('/')) {
          const doc = onePlaybook(given);
          candidate = compilePlaybook(doc.value, doc.hash);
        } else {
          candidate = (await loadStored(given)) ?? fail(`no playbook ${given} is stored (give a file path to backtest a new one)`);
        }
        const running = await loadStored(candidate.id);
        const store = new AlertsStore(ctx.redis, config);
        const alerts: NormalizedAlert[] = [];
        let cursor: string | undefined;
        const since = new Date(Date.now() - sinceMs).toISOString();
        do {
          const page = await store.list(ctx.jurisdictions.list().map((j) => j.id), { since, limit: Math.min(1000, limit - alerts.length), cursor });
          alerts.push(...page.items);
          cursor = page.next ?? undefined;
        } while (cursor && alerts.length < limit);
        const triggers = await triggersFrom(candidate, alerts, (a) => replayDetection(ctx.redis, config, a));
        const effects = dryEffects(offlineDryOptions(config));
        const report = await backtest(candidate, running, triggers, effects, executorOptionsOf(config));
        if (opts.json) out(JSON.stringify({ since: opts.since, alerts: alerts.length, ...report }, null, 2));
        else printBacktest(report, opts.since, alerts.length);
      }),
    );
}

/** Redis for a command that needs it only for some inputs (simulate --alerts). */
async function withRedis<T>(f: (redis: Awaited<ReturnType<typeof openContext>>['redis']) => Promise<T>): Promise<T> {
  const ctx = await openContext();
  try {
    return await f(ctx.redis);
  } finally {
    await ctx.close().catch(() => undefined);
  }
}

/** Bad input ends the command with its message and exit code, never a stack trace. */
async function guarded(f: () => Promise<void>) {
  try {
    await f();
  } catch (e) {
    process.stderr.write(`gwanje: ${(e as Error).message}\n`);
    process.exitCode = e instanceof CliError ? e.exitCode : 1;
  }
}
