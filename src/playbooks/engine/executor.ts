import { formatDuration } from '../../contracts/duration';
import { parseNet } from '../../contracts/net';
import type { CompiledPlaybook, CompiledStep } from '../model/compile';
import type { Action, Scope, StepArgs } from '../model/playbook.schema';
import { renderText } from '../model/template';
import { bindingsOf, type TriggerInstance } from '../model/variables';
import { durationMs } from '../steps/common';
import { STEP_MODULES } from '../steps/registry';
import { CONTINUE, type ChangeItem, type Outcome, type ResolveContext, type StepContext } from '../steps/step';
import type { Effects } from './effects';
import { isPermanent, PermanentError } from './errors';
import { TERMINAL, type RunMode, type RunRecord, type StepRecord } from './run.types';

export { isPermanent, PermanentError } from './errors';

export interface ExecutorOptions {
  stepTimeoutMs: number;
  stepAttempts: number;
  stepBackoffMs: number;
  blastRadiusPerHour: number;
  approvalTimeoutMs: number;
  webhookTimeoutMs: number;
  /** Dry runs (simulate, tests): how approvals end. Shadow runs continue as if approved. */
  approvalOutcome?: 'approve' | 'deny' | 'timeout';
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Runs a playbook's steps for one trigger: the same code for live runs (enforcing and shadow, in
 * the worker) and dry runs (simulate, `gwanje test`, backtests); only the Effects differ. The run
 * record is saved after every step, so a run resumes where it stopped after a crash or an approval.
 */
export class Executor {
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly effects: Effects, private readonly opts: ExecutorOptions) {
    this.now = opts.now ?? Date.now;
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /** Does the trigger concern the playbook (owner's jurisdictions) and pass its `if`? */
  matches(pb: CompiledPlaybook, trigger: TriggerInstance, mode: RunMode): { ok: boolean; error?: string } {
    if (trigger.type !== pb.doc.trigger.on) return { ok: false };
    if (trigger.type !== 'manual' && trigger.jurisdictions.length) {
      const mine = this.effects.jurisdictions.has(pb.doc.owner) ? this.effects.jurisdictions.subtree(pb.doc.owner) : new Set([pb.doc.owner]);
      if (!trigger.jurisdictions.some((j) => mine.has(j))) return { ok: false };
    }
    if (!pb.if) return { ok: true };
    const r = pb.if.eval(bindingsOf(trigger, { id: pb.id, owner: pb.doc.owner, mode }));
    if (!r.ok) return { ok: false, error: `trigger.if: ${r.error}` };
    return { ok: r.value === true };
  }

  newRun(id: string, pb: CompiledPlaybook, trigger: TriggerInstance, mode: RunMode): RunRecord {
    const at = new Date(this.now()).toISOString();
    return {
      id,
      playbook: { id: pb.id, name: pb.doc.name, owner: pb.doc.owner, version: pb.version, hash: pb.hash },
      mode,
      trigger: { type: trigger.type, key: trigger.key, ip: trigger.ip, summary: trigger.summary, jurisdictions: trigger.jurisdictions, view: trigger.view },
      status: 'queued',
      cursor: 0,
      steps: pb.steps.map((s) => ({ id: s.id, action: s.action, status: 'pending', input: null, result: null, error: null, attempts: 0, started: null, ended: null, ms: null })),
      decisions: [],
      created: at,
      updated: at,
      finished: null,
      error: null,
      stopReason: null,
    };
  }

  bindings(run: RunRecord): Record<string, unknown> {
    return bindingsOf({ ...run.trigger, jurisdictions: run.trigger.jurisdictions }, { id: run.playbook.id, owner: run.playbook.owner, mode: run.mode });
  }

  /** Record an approval's outcome on the waiting step; false when the run is not waiting for it. */
  applyApproval(run: RunRecord, stepId: string, outcome: 'approved' | 'rejected' | 'timed-out', detail: Record<string, unknown> = {}): boolean {
    const rec = run.steps.find((s) => s.id === stepId);
    if (!rec || rec.status !== 'waiting' || (rec.result && rec.result.outcome)) return false;
    rec.result = { ...(rec.result ?? {}), outcome, ...detail };
    return true;
  }

  /** Run steps from the cursor until the run ends or waits. `save` is called after every change. */
  async advance(run: RunRecord, pb: CompiledPlaybook, save: (run: RunRecord) => Promise<void>): Promise<RunRecord> {
    if (TERMINAL.has(run.status)) return run;
    const b = this.bindings(run);
    run.status = 'running';
    while (run.cursor < pb.steps.length) {
      const cs = pb.steps[run.cursor];
      const rec = run.steps[run.cursor];
      let outcome: Outcome;
      try {
        outcome = await this.step(run, pb, cs, rec, b);
      } catch (e) {
        rec.status = 'failed';
        rec.error = (e as Error).message;
        this.ended(rec);
        outcome = { next: 'stop', status: 'failed', reason: `step ${cs.id} failed: ${(e as Error).message}` };
      }
      if (outcome.next === 'wait') {
        run.status = 'waiting';
        await this.touch(run, save);
        return run;
      }
      if (outcome.next === 'stop') {
        for (const r of run.steps.slice(run.cursor + 1)) if (r.status === 'pending') r.status = 'skipped';
        run.status = outcome.status;
        run.stopReason = outcome.reason;
        if (outcome.status === 'failed') run.error = outcome.reason;
        run.finished = new Date(this.now()).toISOString();
        await this.touch(run, save);
        return run;
      }
      run.cursor++;
      await this.touch(run, save);
    }
    run.status = 'succeeded';
    run.finished = new Date(this.now()).toISOString();
    await this.touch(run, save);
    return run;
  }

  private async touch(run: RunRecord, save: (run: RunRecord) => Promise<void>) {
    run.updated = new Date(this.now()).toISOString();
    await save(run);
  }

  private started(rec: StepRecord) {
    rec.started ??= new Date(this.now()).toISOString();
  }

  private ended(rec: StepRecord) {
    rec.ended = new Date(this.now()).toISOString();
    rec.ms = rec.started ? Date.parse(rec.ended) - Date.parse(rec.started) : 0;
  }

  private acting(run: RunRecord) {
    return run.mode === 'enforcing';
  }

  private async step(run: RunRecord, pb: CompiledPlaybook, cs: CompiledStep, rec: StepRecord, b: Record<string, unknown>): Promise<Outcome> {
    const ctx = this.context(run, pb, cs, rec, b);
    if (rec.status === 'waiting') return STEP_MODULES[cs.action].resume?.(ctx) ?? { next: 'wait' };
    if (rec.status !== 'pending' && rec.status !== 'running') return CONTINUE; // done before a crash: never twice
    this.started(rec);
    if (cs.if) {
      const r = cs.if.eval(b);
      if (!r.ok) throw new PermanentError(`if: ${r.error}`);
      if (r.value !== true) return ctx.skip('if: false');
    }
    rec.status = 'running';
    return this.perform(ctx, cs.action, cs.args);
  }

  /** The step's module: resolve its input (recorded), pass the guards, act, or only record what it would do. */
  private async perform<K extends Action>(ctx: StepContext, action: K, args: StepArgs[K]): Promise<Outcome> {
    const m = STEP_MODULES[action];
    const input = await m.resolve(ctx, args);
    ctx.rec.input = input;
    const acting = this.acting(ctx.run);
    const target = m.enforces?.(input);
    if (target !== undefined) {
      const guard = this.prefixGuard(ctx.pb, target);
      if (guard) return ctx.stop('refused', { refused: [{ code: 'prefix', reason: guard }] }, 'refused', guard);
      if (acting) {
        const open = await this.effects.breakerOpen(ctx.pb.id);
        if (open) return ctx.stop('suppressed', { breaker: open }, 'halted', `circuit breaker of ${ctx.pb.id} is open since ${open.openedAt}: ${open.reason}`);
      }
    }
    return acting ? m.run(ctx, input) : m.preview(ctx, input);
  }

  private resolveContext(run: RunRecord, pb: CompiledPlaybook, cs: CompiledStep, b: Record<string, unknown>): ResolveContext {
    return {
      run,
      pb,
      cs,
      bindings: b,
      effects: this.effects,
      opts: this.opts,
      target: () => this.target(cs, run, b),
      scope: (scope) => this.scope(scope, pb.doc.owner, run),
      text: (t) => this.text(t, b),
      reason: () => this.text(cs.reason, b) ?? `${pb.doc.name}: ${run.trigger.summary}`,
      key: () => (this.text(cs.idempotencyKey, b) ?? `${run.id}:${cs.id}`).slice(0, 180),
    };
  }

  private context(run: RunRecord, pb: CompiledPlaybook, cs: CompiledStep, rec: StepRecord, b: Record<string, unknown>): StepContext {
    return {
      ...this.resolveContext(run, pb, cs, b),
      rec,
      actor: { type: 'playbook-run', id: run.id, jurisdiction: run.playbook.owner },
      stepTimeoutMs: this.stepTimeout(cs),
      attempt: <T>(fn: () => Promise<T>) => this.attempt(rec, cs, fn),
      budget: (member) => this.budget(run, pb, member),
      done: (result) => {
        rec.status = this.acting(run) ? 'done' : 'would';
        rec.result = result;
        this.ended(rec);
        return CONTINUE;
      },
      stop: (status, result, runStatus, reason) => {
        rec.status = status;
        rec.result = { ...(rec.result ?? {}), ...result };
        this.ended(rec);
        return { next: 'stop', status: runStatus, reason };
      },
      skip: (reason) => {
        rec.status = 'skipped';
        rec.result = { reason };
        this.ended(rec);
        return CONTINUE;
      },
      wait: (result) => {
        rec.status = 'waiting';
        rec.result = result;
        return { next: 'wait' };
      },
      changesAfter: () => this.changesAfter(run, pb, cs.index, b),
    };
  }

  /** The playbook's own minimum prefix (guards.min_prefix). */
  private prefixGuard(pb: CompiledPlaybook, target: string): string | null {
    const min = pb.doc.guards.min_prefix;
    if (!min) return null;
    const net = parseNet(target);
    if (!net || net.host) return null;
    const need = net.family === 4 ? min.v4 : min.v6;
    if (need !== undefined && net.prefix < need) return `${net.text} is wider than this playbook allows (guards.min_prefix.v${net.family}: /${need})`;
    return null;
  }

  private target(cs: CompiledStep, run: RunRecord, b: Record<string, unknown>): string {
    let value = run.trigger.ip;
    if (cs.target) {
      const r = cs.target.eval(b);
      if (!r.ok) throw new PermanentError(`target: ${r.error}`);
      value = String(r.value);
    }
    const net = parseNet(value);
    if (!net) throw new PermanentError(`target ${JSON.stringify(value)} is not an IP address or CIDR`);
    return net.text;
  }

  private scope(scope: Scope, owner: string, run: RunRecord): string[] {
    const tree = this.effects.jurisdictions;
    const mine = tree.has(owner) ? tree.subtree(owner) : new Set([owner]);
    if (scope === 'own') return [owner];
    if (scope === 'children') return tree.has(owner) ? tree.children(owner) : [];
    if (scope === 'subtree') return [...mine];
    if (scope === 'reporters') return run.trigger.jurisdictions.filter((j) => mine.has(j));
    for (const j of scope.jurisdictions) if (!mine.has(j)) throw new PermanentError(`scope: ${j} is outside ${owner}'s jurisdictions`);
    return scope.jurisdictions;
  }

  private text(t: CompiledStep['reason'], b: Record<string, unknown>): string | null {
    if (!t) return null;
    try {
      return renderText(t, b);
    } catch (e) {
      throw new PermanentError((e as Error).message);
    }
  }

  /** Count a side effect against the hourly cap; at the cap, open the breaker and stop acting. */
  private async budget(run: RunRecord, pb: CompiledPlaybook, member: string): Promise<{ status: 'halted'; reason: string } | null> {
    const cap = pb.doc.guards.max_actions_per_hour ?? this.opts.blastRadiusPerHour;
    const took = await this.effects.takeBudget(pb.id, member, cap);
    if (took.ok) return null;
    const { approvalId } = await this.effects.tripBreaker({ playbookId: pb.id, owner: pb.doc.owner, runId: run.id, cap, count: took.count });
    return { status: 'halted', reason: `blast radius reached: ${took.count} actions in the last hour (cap ${cap}); circuit breaker opened${approvalId ? `, approval ${approvalId} raised to resume` : ''}` };
  }

  /** What the steps after `from` will do if approved: the exact change an approver is shown. */
  private async changesAfter(run: RunRecord, pb: CompiledPlaybook, from: number, b: Record<string, unknown>): Promise<Array<{ item: ChangeItem; text: string }>> {
    const out: Array<{ item: ChangeItem; text: string }> = [];
    for (const cs of pb.steps.slice(from + 1)) {
      if (cs.if) {
        const r = cs.if.eval(b);
        if (!r.ok || r.value !== true) continue;
      }
      try {
        out.push(await this.changeOf(this.resolveContext(run, pb, cs, b), cs.action, cs.args));
      } catch (e) {
        const error = (e as Error).message;
        out.push({ item: { step: cs.id, action: cs.action, error }, text: `${cs.action} (${error})` });
      }
    }
    return out;
  }

  private async changeOf<K extends Action>(ctx: ResolveContext, action: K, args: StepArgs[K]): Promise<{ item: ChangeItem; text: string }> {
    const m = STEP_MODULES[action];
    const input = await m.resolve(ctx, args);
    return { item: { step: ctx.cs.id, action, ...m.change(input) }, text: m.describe(input) };
  }

  private stepTimeout(cs: CompiledStep): number {
    return cs.step.timeout ? durationMs(cs.step.timeout) : this.opts.stepTimeoutMs;
  }

  /** The step's retry policy: attempts with exponential backoff, each within the step timeout; permanent errors fail at once. */
  private async attempt<T>(rec: StepRecord, cs: CompiledStep, fn: () => Promise<T>): Promise<T> {
    const attempts = cs.step.retry?.attempts ?? this.opts.stepAttempts;
    const backoff = cs.step.retry ? durationMs(cs.step.retry.backoff) : this.opts.stepBackoffMs;
    const timeout = this.stepTimeout(cs);
    for (let i = 1; ; i++) {
      rec.attempts++;
      try {
        return await withTimeout(fn(), timeout, `step ${cs.id} timed out after ${formatDuration(timeout)}`);
      } catch (e) {
        if (isPermanent(e) || i >= attempts) throw e;
        await this.sleep(backoff * 2 ** (i - 1));
      }
    }
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)))]).finally(() => clearTimeout(timer));
}
