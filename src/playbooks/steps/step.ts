import type { z } from 'zod';
import type { AuditActor } from '../../audit/audit.schemas';
import type { Effects } from '../engine/effects';
import type { ExecutorOptions } from '../engine/executor';
import type { RunRecord, RunStatus, StepRecord } from '../engine/run.types';
import type { CompiledPlaybook, CompiledStep } from '../model/compile';
import type { Action, Scope, StepArgs } from '../model/playbook.schema';
import type { Template } from '../model/template';

/** What the executor does after a step. */
export type Outcome = { next: 'continue' } | { next: 'wait' } | { next: 'stop'; status: RunStatus; reason: string };
export const CONTINUE: Outcome = { next: 'continue' };

/** One line of what an approval lets happen (stored with the approval, shown to approvers). */
export type ChangeItem = { step: string; action: Action } & Record<string, unknown>;

/** What resolving a step's input may use: the run, the trigger's bindings and read-only effects. */
export interface ResolveContext {
  run: RunRecord;
  pb: CompiledPlaybook;
  cs: CompiledStep;
  bindings: Record<string, unknown>;
  effects: Effects;
  opts: ExecutorOptions;
  /** The step's `target` (CEL) or the trigger's IP, as a normalized IP or CIDR. */
  target(): string;
  /** Jurisdictions a scope names, within the owner's subtree. */
  scope(scope: Scope): string[];
  /** A rendered template; null when the step has none. */
  text(t: Template | null): string | null;
  /** The rendered `reason`, or "<playbook name>: <trigger summary>". */
  reason(): string;
  /** The rendered `idempotency_key`, or run id + step id. */
  key(): string;
}

/** What running a step may use besides: its record, the retry policy, the blast radius, how to end. */
export interface StepContext extends ResolveContext {
  rec: StepRecord;
  actor: AuditActor;
  /** The step's timeout (per attempt). */
  stepTimeoutMs: number;
  /** One side effect under the step's retry policy (attempts, backoff, timeout; permanent errors at once). */
  attempt<T>(fn: () => Promise<T>): Promise<T>;
  /** Count a side effect against the hourly cap: null, or why the run halts (the breaker opened). */
  budget(member: string): Promise<{ status: 'halted'; reason: string } | null>;
  /** Acted (`done`) or, in shadow and dry runs, would have (`would`). */
  done(result: Record<string, unknown>): Outcome;
  stop(status: StepRecord['status'], result: Record<string, unknown>, runStatus: RunStatus, reason: string): Outcome;
  skip(reason: string): Outcome;
  /** Stop the run in `waiting` with this result (an approval). */
  wait(result: Record<string, unknown>): Outcome;
  /** What the steps after this one will do (the change an approver is shown). */
  changesAfter(): Promise<Array<{ item: ChangeItem; text: string }>>;
}

/**
 * One action: its resolved input (the schema; recorded on the step and shown to approvers), how
 * to resolve it from the compiled step, how it acts (`run`, enforcing runs), what it records
 * instead in shadow and dry runs (`preview`), and how it reads to a person (`describe`).
 */
export interface StepModule<K extends Action, I extends Record<string, unknown>> {
  kind: K;
  input: z.ZodType<I>;
  /**
   * Steps that change enforcement name the value they act on: the guards (prefix, breaker) check
   * it before the step runs, and each side effect counts against the blast radius.
   */
  enforces?(input: I): string;
  resolve(ctx: ResolveContext, args: StepArgs[K]): Promise<I> | I;
  run(ctx: StepContext, input: I): Promise<Outcome>;
  preview(ctx: StepContext, input: I): Promise<Outcome>;
  /** The approver's view of it (without `step` and `action`). */
  change(input: I): Record<string, unknown>;
  describe(input: I): string;
  /** A step left `waiting` (an approval): what now. */
  resume?(ctx: StepContext): Outcome;
}
