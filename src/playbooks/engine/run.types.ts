import { z } from 'zod';
import { TriggerType } from '../triggers';

export const RunStatus = z.enum(['queued', 'running', 'waiting', 'succeeded', 'failed', 'denied', 'refused', 'halted']);
export type RunStatus = z.infer<typeof RunStatus>;
export const TERMINAL: ReadonlySet<RunStatus> = new Set(['succeeded', 'failed', 'denied', 'refused', 'halted']);

/**
 * done: acted; would: shadow/dry-run, recorded what it would have done; skipped: its `if` was false
 * or the run stopped before it; refused: a guard (allowlist, prefix) said no; suppressed: the
 * circuit breaker is open; waiting: for an approval; denied: the approval was rejected or timed out.
 */
export const StepStatus = z.enum(['pending', 'running', 'done', 'would', 'skipped', 'refused', 'suppressed', 'waiting', 'denied', 'failed']);
export type StepStatus = z.infer<typeof StepStatus>;

export const StepRecord = z.object({
  id: z.string(),
  action: z.string(),
  status: StepStatus,
  /** What the step was asked to do (target, jurisdictions, duration, rendered body...). */
  input: z.record(z.string(), z.unknown()).nullable(),
  /** What came of it (decision ids, refusals, HTTP status, approval id and outcome...). */
  result: z.record(z.string(), z.unknown()).nullable(),
  error: z.string().nullable(),
  attempts: z.number().int(),
  started: z.string().nullable(),
  ended: z.string().nullable(),
  ms: z.number().nullable(),
});
export type StepRecord = z.infer<typeof StepRecord>;

export const RunMode = z.enum(['enforcing', 'shadow', 'dry']);
export type RunMode = z.infer<typeof RunMode>;

export const RunRecord = z.object({
  id: z.string(),
  playbook: z.object({ id: z.string(), name: z.string(), owner: z.string(), version: z.number().int(), hash: z.string() }),
  mode: RunMode,
  trigger: z.object({
    type: TriggerType,
    key: z.string(),
    ip: z.string(),
    summary: z.string(),
    jurisdictions: z.array(z.string()),
    /** The variables the playbook saw. */
    view: z.record(z.string(), z.unknown()),
  }),
  status: RunStatus,
  cursor: z.number().int(),
  steps: z.array(StepRecord),
  /** Decisions the run made (ids). */
  decisions: z.array(z.string()),
  created: z.string(),
  updated: z.string(),
  finished: z.string().nullable(),
  error: z.string().nullable(),
  /** Why the run stopped early (refused, halted, denied). */
  stopReason: z.string().nullable(),
});
export type RunRecord = z.infer<typeof RunRecord>;
