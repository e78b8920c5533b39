import { parseDuration } from '../../contracts/duration';
import { parseNet } from '../../contracts/net';
import type { LoadedDocument } from '../loader/loader';
import { compilePlaybook, type CompiledPlaybook } from '../model/compile';
import type { Playbook, PlaybookTest } from '../model/playbook.schema';
import { testTrigger, testTriggerSchema, type TriggerInstance } from '../model/variables';
import { dryEffects, type DryOptions } from './dry-effects';
import type { Effects } from './effects';
import { Executor, type ExecutorOptions } from './executor';
import type { RunRecord } from './run.types';

export interface DryRunResult {
  playbook: string;
  triggered: boolean;
  /** The trigger's `if` failed to evaluate. */
  error?: string;
  run: RunRecord | null;
}

/** Run one playbook against one trigger with no side effects: what it would do. */
export async function dryRun(pb: CompiledPlaybook, trigger: TriggerInstance, effects: Effects, opts: ExecutorOptions): Promise<DryRunResult> {
  const ex = new Executor(effects, { ...opts, sleep: async () => undefined });
  const m = ex.matches(pb, trigger, 'dry');
  if (!m.ok) return { playbook: pb.id, triggered: false, ...(m.error ? { error: m.error } : {}), run: null };
  const run = ex.newRun(`dry-${pb.id}`, pb, trigger, 'dry');
  await ex.advance(run, pb, async () => undefined);
  return { playbook: pb.id, triggered: true, run };
}

/** Decisions a (dry or live) run made or would make: value, jurisdiction, duration. */
export function decisionsOf(run: RunRecord): Array<{ value: string; jurisdiction: string; duration: string }> {
  const out: Array<{ value: string; jurisdiction: string; duration: string }> = [];
  for (const s of run.steps) {
    if (s.action !== 'block' || (s.status !== 'done' && s.status !== 'would')) continue;
    for (const d of ((s.result?.decisions as Array<Record<string, string>>) ?? [])) out.push({ value: d.value, jurisdiction: d.jurisdiction, duration: d.duration });
  }
  return out;
}

/** Steps that act (or would act), in order. */
export const actedSteps = (run: RunRecord) => run.steps.filter((s) => s.status === 'done' || s.status === 'would').map((s) => s.id);

export interface TestOutcome {
  file: string;
  playbook: string;
  test: string;
  ok: boolean;
  failures: string[];
  run: RunRecord | null;
}

const sameValue = (a: string, b: string) => (parseNet(a)?.text ?? a) === (parseNet(b)?.text ?? b);

/** Check one test's expectations against its dry run. */
export function checkExpectations(t: PlaybookTest, res: DryRunResult): string[] {
  const f: string[] = [];
  const e = t.expect;
  if (res.error) f.push(`trigger: ${res.error}`);
  if (!e.triggered) {
    if (res.triggered) f.push('expected the trigger not to match, but it did');
    return f;
  }
  if (!res.triggered || !res.run) {
    f.push('expected the trigger to match (trigger.if and the owner\'s jurisdictions), but it did not');
    return f;
  }
  const run = res.run;
  if (e.status && run.status !== e.status) f.push(`status: expected ${e.status}, got ${run.status}${run.stopReason ? ` (${run.stopReason})` : ''}`);
  if (!e.status && run.status === 'failed') f.push(`the run failed: ${run.error}`);
  if (e.steps) {
    const got = actedSteps(run);
    if (got.join(',') !== e.steps.join(',')) f.push(`steps: expected [${e.steps.join(', ')}], got [${got.join(', ')}]`);
  }
  for (const id of e.skipped ?? []) {
    const s = run.steps.find((x) => x.id === id);
    if (s && s.status !== 'skipped') f.push(`skipped: expected step ${id} to be skipped, it was ${s.status}`);
  }
  if (e.decisions) {
    const got = decisionsOf(run);
    const left = [...got];
    for (const want of e.decisions) {
      const i = left.findIndex((d) => sameValue(d.value, want.value) && (!want.jurisdiction || d.jurisdiction === want.jurisdiction) && (!want.duration || parseDuration(d.duration) === parseDuration(want.duration)));
      if (i < 0) f.push(`decisions: expected ${want.value}${want.jurisdiction ? ` in ${want.jurisdiction}` : ''}${want.duration ? ` for ${want.duration}` : ''}; got ${got.map((d) => `${d.value} in ${d.jurisdiction} for ${d.duration}`).join(', ') || 'none'}`);
      else left.splice(i, 1);
    }
    if (left.length) f.push(`decisions: unexpected ${left.map((d) => `${d.value} in ${d.jurisdiction} for ${d.duration}`).join(', ')}`);
  }
  return f;
}

/** Run a playbook's `tests:` with no side effects. */
export async function runPlaybookTests(doc: LoadedDocument<Playbook>, base: Omit<DryOptions, 'previousBans' | 'allowlisted'>, opts: ExecutorOptions): Promise<TestOutcome[]> {
  const pb = compilePlaybook(doc.value, doc.hash);
  const out: TestOutcome[] = [];
  for (const t of doc.value.tests ?? []) {
    const view = testTriggerSchema(pb.doc.trigger.on).parse(t.trigger) as Record<string, unknown>;
    const trigger = testTrigger(pb.doc.trigger.on, view, t.name);
    const effects = dryEffects({ ...base, previousBans: t.given.previous_bans, allowlisted: t.given.allowlisted });
    const res = await dryRun(pb, trigger, effects, { ...opts, approvalOutcome: t.given.approval });
    const failures = checkExpectations(t, res);
    out.push({ file: doc.file, playbook: pb.id, test: t.name, ok: failures.length === 0, failures, run: res.run });
  }
  return out;
}
