import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import { AuditService } from '../../audit/audit.service';
import { AllowlistService } from '../../blocklist/allowlist.service';
import { DecisionsService } from '../../blocklist/decisions.service';
import { CONFIG } from '../../infra/config/config.module';
import type { GwanjeConfig } from '../../infra/config/config.schema';
import { QueuesService } from '../../infra/queues/queues.service';
import { JurisdictionsService } from '../../jurisdictions/jurisdictions.service';
import { SHARING, type SharingPort } from '../../sharing/sharing.port';
import { APPROVALS, type ApprovalsPort } from '../../approvals/approvals.port';
import type { Effects } from '../engine/effects';
import { Executor, type ExecutorOptions } from '../engine/executor';
import { executorOptionsOf } from '../engine/offline';
import { TERMINAL, type RunMode, type RunRecord } from '../engine/run.types';
import { RunJob, jobId } from '../../contracts/jobs';
import type { CompiledPlaybook } from '../model/compile';
import type { TriggerInstance } from '../model/variables';
import { PlaybookRegistry } from '../registry/registry.service';
import { GuardsStore } from './guards.store';
import { liveEffects } from './live-effects';
import { RunsStore } from './runs.store';
import { TagsStore } from './tags.store';

/** How long one worker may hold a run while advancing it (a crashed holder's lock expires). */
const RUN_LOCK_MS = 5 * 60_000;

/** The run id for (playbook, trigger key): the same trigger delivered again is the same run. */
export const runIdFor = (playbookId: string, triggerKey: string) => 'run-' + createHash('sha256').update(`${playbookId}\0${triggerKey}`).digest('hex').slice(0, 24);

export class RunBusyError extends Error {
  override name = 'RunBusyError';
}

/**
 * Starts and advances runs: matches triggers against the playbooks in force, stores one run per
 * (playbook, trigger key), and advances it step by step through the executor with the real
 * effects (enforcing) or none (shadow), resuming after approvals.
 */
@Injectable()
export class RunEngine {
  private readonly log = new Logger('playbook-runs');
  readonly effects: Effects;
  readonly readOnlyEffects: Effects;
  private readonly executor: Executor;

  constructor(
    @Inject(CONFIG) private readonly config: GwanjeConfig,
    private readonly registry: PlaybookRegistry,
    private readonly runs: RunsStore,
    private readonly guards: GuardsStore,
    tags: TagsStore,
    private readonly queues: QueuesService,
    private readonly audit: AuditService,
    decisions: DecisionsService,
    allowlist: AllowlistService,
    jurisdictions: JurisdictionsService,
    @Inject(APPROVALS) approvals: ApprovalsPort,
    @Optional() @Inject(SHARING) sharing?: SharingPort,
  ) {
    const deps = { config, decisions, allowlist, jurisdictions, approvals, guards, tags, audit, sharing, log: this.log };
    this.effects = liveEffects(deps);
    this.readOnlyEffects = liveEffects(deps, true);
    this.executor = new Executor(this.effects, this.executorOptions());
  }

  executorOptions(): ExecutorOptions {
    return executorOptionsOf(this.config);
  }

  /** A trigger arrived: start a run of every playbook in force (enforcing or shadow) that it concerns. */
  async dispatch(trigger: TriggerInstance): Promise<string[]> {
    const started: string[] = [];
    for (const pb of await this.registry.current()) {
      const mode: RunMode | null = pb.doc.status === 'enforcing' ? 'enforcing' : pb.doc.status === 'shadow' ? 'shadow' : null;
      if (!mode || pb.doc.trigger.on !== trigger.type) continue;
      const m = this.executor.matches(pb, trigger, mode);
      if (m.error) this.log.warn({ playbookId: pb.id, trigger: trigger.key, error: m.error }, 'trigger condition failed to evaluate; not run');
      if (!m.ok) continue;
      started.push(await this.start(pb, trigger, mode));
    }
    return started;
  }

  /** Store the run (once per playbook and trigger key) and queue it. Returns the run id. */
  async start(pb: CompiledPlaybook, trigger: TriggerInstance, mode: RunMode): Promise<string> {
    const id = runIdFor(pb.id, trigger.key);
    const created = await this.runs.create(this.executor.newRun(id, pb, trigger, mode));
    if (created) this.log.log({ runId: id, playbookId: pb.id, version: pb.version, mode, trigger: trigger.key, jurisdiction: pb.doc.owner }, 'run started');
    else this.log.debug({ runId: id, playbookId: pb.id, trigger: trigger.key }, 'trigger delivered again; run exists');
    // Queued even when it existed: a delivery that crashed between storing and queueing is completed here.
    await this.queues.enqueue(RunJob, { runId: id }, { jobId: id, attempts: this.config.playbooks.attempts, backoff: { type: 'exponential', delay: this.config.playbooks.backoffMs } });
    return id;
  }

  /** Advance a run as far as it goes (the RunJob). */
  async advance(runId: string, before?: (run: RunRecord) => boolean): Promise<RunRecord | null> {
    const token = randomBytes(8).toString('hex');
    if (!(await this.runs.lock(runId, token, RUN_LOCK_MS))) throw new RunBusyError(`run ${runId} is being advanced by another worker; retried later`);
    try {
      const run = await this.runs.get(runId);
      if (!run) {
        this.log.warn({ runId }, 'run not found (expired?)');
        return null;
      }
      if (before && !before(run)) return run;
      if (TERMINAL.has(run.status)) return run;
      const { pb, error } = await this.registry.compile(run.playbook.hash, run.playbook.version);
      if (!pb) return this.fail(run, `playbook version ${run.playbook.version} cannot be loaded: ${error}`);
      const was = run.status;
      await this.executor.advance(run, pb, (r) => this.runs.save(r));
      if (run.status !== was || TERMINAL.has(run.status)) this.log.log({ runId, playbookId: pb.id, jurisdiction: pb.doc.owner, status: run.status, mode: run.mode, decisions: run.decisions, reason: run.stopReason }, `run ${run.status}`);
      if (TERMINAL.has(run.status)) await this.recordEnd(run);
      return run;
    } finally {
      await this.runs.unlock(runId, token);
    }
  }

  /** An approval of a waiting step was decided: record it and continue (or end) the run. */
  async approvalDecided(d: { runId: string; stepId: string; approvalId: string; outcome: 'approved' | 'rejected' | 'timed-out'; approved: boolean }) {
    const outcome = d.approved ? 'approved' : d.outcome === 'approved' ? 'rejected' : d.outcome;
    await this.advance(d.runId, (run) => {
      const rec = run.steps.find((s) => s.id === d.stepId);
      if (!rec || rec.result?.approvalId !== d.approvalId) {
        this.log.warn({ runId: d.runId, stepId: d.stepId, approvalId: d.approvalId }, 'approval outcome for a step not waiting for it; ignored');
        return false;
      }
      this.executor.applyApproval(run, d.stepId, outcome);
      return true;
    });
  }

  /** The circuit breaker's approval was decided: approved resumes the playbook. */
  async breakerDecided(d: { playbookId: string; approvalId: string; approved: boolean; outcome: string }) {
    if (!d.approved) {
      this.log.warn({ playbookId: d.playbookId, approvalId: d.approvalId, outcome: d.outcome }, 'circuit breaker stays open');
      return;
    }
    await this.resume(d.playbookId, { type: 'system', id: `approval:${d.approvalId}` }, `approval ${d.approvalId}`);
  }

  /** Close a playbook's circuit breaker. */
  async resume(playbookId: string, actor: { type: 'system' | 'key'; id: string; role?: string; jurisdiction?: string }, reason: string): Promise<boolean> {
    const state = await this.guards.breaker(playbookId);
    const closed = await this.guards.close(playbookId);
    if (closed) {
      this.log.log({ playbookId, by: actor.id }, 'circuit breaker closed: the playbook acts again');
      const head = (await this.registry.heads()).get(playbookId);
      await this.audit.record({ actor, action: 'playbook.breaker-closed', jurisdiction: head?.owner ?? null, target: { type: 'playbook', id: playbookId }, reason, detail: { openedAt: state?.openedAt ?? null } });
    }
    return closed;
  }

  /** The job ran out of attempts: the run is failed, visibly. */
  async fail(run: RunRecord, error: string): Promise<RunRecord> {
    if (TERMINAL.has(run.status)) return run;
    run.status = 'failed';
    run.error = error;
    run.stopReason = error;
    run.finished = run.updated = new Date().toISOString();
    for (const s of run.steps) if (s.status === 'pending' || s.status === 'running') s.status = s.status === 'running' ? 'failed' : 'skipped';
    await this.runs.save(run);
    this.log.error({ runId: run.id, playbookId: run.playbook.id, error }, 'run failed');
    await this.recordEnd(run);
    return run;
  }

  async failById(runId: string, error: string) {
    const run = await this.runs.get(runId);
    if (run) await this.fail(run, error);
  }

  /** One audit entry per finished run: trigger → steps → decisions, with the playbook version. */
  private async recordEnd(run: RunRecord) {
    await this.audit
      .record({
        actor: { type: 'playbook-run', id: run.id, jurisdiction: run.playbook.owner },
        action: `playbook.run.${run.status}`,
        jurisdiction: run.playbook.owner,
        target: { type: 'playbook-run', id: run.id },
        reason: run.stopReason,
        detail: { playbook: run.playbook.id, version: run.playbook.version, hash: run.playbook.hash.slice(0, 12), mode: run.mode, trigger: run.trigger.key, steps: run.steps.map((s) => `${s.id}:${s.status}`), decisions: run.decisions },
      })
      .catch((err) => this.log.warn({ err, runId: run.id }, 'run not written to the audit trail'));
  }

  /** Start a manual run of one playbook. */
  async manual(pb: CompiledPlaybook, trigger: TriggerInstance): Promise<string> {
    const mode: RunMode = pb.doc.status === 'shadow' ? 'shadow' : 'enforcing';
    return this.start(pb, trigger, mode);
  }

  get(runId: string) {
    return this.runs.get(runId);
  }

  jobIdFor(...parts: string[]) {
    return jobId(...parts);
  }
}
