import { formatDuration, parseDuration } from '../../infra/time/duration';
import { parseNet } from '../../blocklist/ip-net';
import type { AuditActor } from '../../audit/audit.schemas';
import type { CompiledPlaybook, CompiledStep } from '../model/compile';
import { renderBody } from '../model/compile';
import { ENFORCING_ACTIONS, type Scope } from '../model/playbook.schema';
import { renderText } from '../model/template';
import { bindingsOf, shareProvenance, type TriggerInstance } from '../model/variables';
import type { Effects } from './effects';
import { TERMINAL, type RunMode, type RunRecord, type RunStatus, type StepRecord } from './run.types';

/** A step failure no retry can fix (bad target, 4xx from a webhook, sharing not available): the run fails at once. */
export class PermanentError extends Error {
  override name = 'PermanentError';
}

export interface ExecutorOptions {
  stepTimeoutMs: number;
  stepAttempts: number;
  stepBackoffMs: number;
  blastRadiusPerHour: number;
  approvalTimeoutMs: number;
  webhookTimeoutMs: number;
  /** Where approvals report their outcome (the playbooks queue). */
  approvalCallback: { queue: string; job: string };
  /** Dry runs (simulate, tests): how approvals end. Shadow runs continue as if approved. */
  approvalOutcome?: 'approve' | 'deny' | 'timeout';
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

type Outcome = { next: 'continue' } | { next: 'wait' } | { next: 'stop'; status: RunStatus; reason: string };
const CONTINUE: Outcome = { next: 'continue' };

const round = (x: unknown, dflt: number) => (typeof x === 'number' && Number.isFinite(x) ? Math.max(0, Math.min(100, Math.round(x))) : dflt);

/** The trigger's score and confidence (what decisions and shares carry). */
function scoreOf(view: Record<string, unknown>): { score: number; confidence: number } {
  const v = (view.threat ?? view.indicator ?? {}) as { score?: number; confidence?: number };
  const score = round(v.score, 50);
  return { score, confidence: round(v.confidence, score) };
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
    return bindingsOf({ ...run.trigger, jurisdictions: run.trigger.jurisdictions } as TriggerInstance, { id: run.playbook.id, owner: run.playbook.owner, mode: run.mode });
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
    if (rec.status === 'waiting') return this.resumeApproval(run, cs, rec);
    if (rec.status !== 'pending' && rec.status !== 'running') return CONTINUE; // done before a crash: never twice
    this.started(rec);
    if (cs.if) {
      const r = cs.if.eval(b);
      if (!r.ok) throw new PermanentError(`if: ${r.error}`);
      if (r.value !== true) {
        rec.status = 'skipped';
        rec.result = { reason: 'if: false' };
        this.ended(rec);
        return CONTINUE;
      }
    }
    rec.status = 'running';
    rec.input = await this.resolve(run, pb, cs, b);
    const enforcing = ENFORCING_ACTIONS.has(cs.action);
    const acting = this.acting(run);

    if (enforcing) {
      const guard = this.prefixGuard(pb, String(rec.input.target));
      if (guard) return this.stop(rec, 'refused', { refused: [{ code: 'prefix', reason: guard }] }, 'refused', guard);
      if (acting) {
        const open = await this.effects.breakerOpen(pb.id);
        if (open) return this.stop(rec, 'suppressed', { breaker: open }, 'halted', `circuit breaker of ${pb.id} is open since ${open.openedAt}: ${open.reason}`);
      }
    }
    switch (cs.action) {
      case 'block':
        return this.block(run, pb, cs, rec, acting);
      case 'unblock':
        return this.unblock(run, pb, cs, rec, acting);
      case 'share':
        return this.share(run, pb, cs, rec, acting);
      case 'notify':
        return this.notify(run, cs, rec, acting);
      case 'tag':
        return this.tag(run, pb, cs, rec, acting);
      case 'approve':
        return this.approve(run, pb, cs, rec, b);
    }
  }

  private stop(rec: StepRecord, status: StepRecord['status'], result: Record<string, unknown>, runStatus: RunStatus, reason: string): Outcome {
    rec.status = status;
    rec.result = { ...(rec.result ?? {}), ...result };
    this.ended(rec);
    return { next: 'stop', status: runStatus, reason };
  }

  private done(rec: StepRecord, acting: boolean, result: Record<string, unknown>): Outcome {
    rec.status = acting ? 'done' : 'would';
    rec.result = result;
    this.ended(rec);
    return CONTINUE;
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

  private key(run: RunRecord, cs: CompiledStep, b: Record<string, unknown>): string {
    const k = this.text(cs.idempotencyKey, b);
    return (k ?? `${run.id}:${cs.id}`).slice(0, 180);
  }

  /** What the step will do, fully resolved (the same for acting, shadow and dry runs; approvals show it). */
  private async resolve(run: RunRecord, pb: CompiledPlaybook, cs: CompiledStep, b: Record<string, unknown>): Promise<Record<string, unknown>> {
    const owner = pb.doc.owner;
    const reason = this.text(cs.reason, b) ?? `${pb.doc.name}: ${run.trigger.summary}`;
    const s = cs.step;
    switch (cs.action) {
      case 'block': {
        const a = s.block!;
        const target = this.target(cs, run, b);
        const base = parseDuration(a.duration)!;
        const jurisdictions = this.scope(a.scope, owner, run);
        const durations: Record<string, string> = {};
        const repeats: Record<string, number> = {};
        for (const j of jurisdictions) {
          const repeat = a.escalate === false ? 0 : await this.effects.previousBans(target, j);
          repeats[j] = repeat;
          const ms = this.duration(base, repeat, a.escalate);
          // As the officer wrote it ("24h", not "1d") unless escalation changed it.
          durations[j] = ms === base ? a.duration : formatDuration(ms);
        }
        return { target, jurisdictions, duration: a.duration, durations, previousBans: repeats, escalate: a.escalate, reason, tlp: a.tlp ?? null, ...scoreOf(run.trigger.view), idempotencyKey: this.key(run, cs, b) };
      }
      case 'unblock':
        return { target: this.target(cs, run, b), jurisdictions: this.scope(s.unblock!.scope, owner, run), reason };
      case 'share': {
        const a = s.share!;
        return { target: this.target(cs, run, b), from: owner, to: a.to, tlp: a.tlp, minConfidence: a.min_confidence ?? null, ttl: a.ttl, reason, ...scoreOf(run.trigger.view), idempotencyKey: this.key(run, cs, b) };
      }
      case 'notify': {
        const a = s.notify!;
        let body: unknown;
        try {
          body = cs.body ? renderBody(cs.body, b) : this.defaultBody(run);
        } catch (e) {
          throw new PermanentError(`body: ${(e as Error).message}`);
        }
        const headers = Object.fromEntries(cs.headers.map(([k, t]) => [k, this.text(t, b) ?? '']));
        return { url: a.url, secret: a.secret, body, headers, deliveryId: this.key(run, cs, b) };
      }
      case 'tag':
        return { target: this.target(cs, run, b), jurisdiction: owner, tags: s.tag!.tags, note: this.text(cs.note, b), ttl: s.tag!.ttl };
      case 'approve': {
        const a = s.approve!;
        return {
          approvers: { roles: a.approvers.roles, jurisdictions: a.approvers.jurisdictions ?? [owner] },
          quorum: a.quorum,
          timeout: a.timeout ?? formatDuration(this.opts.approvalTimeoutMs),
          onTimeout: a.on_timeout,
          summary: this.text(cs.summary, b),
        };
      }
    }
  }

  private duration(base: number, repeat: number, escalate: boolean | { factor: number; max: string }): number {
    if (escalate === false || repeat === 0) return base;
    if (escalate === true) return this.effects.escalated(base, repeat, true);
    const max = Math.max(parseDuration(escalate.max) ?? base, base);
    return Math.min(base * Math.pow(escalate.factor, repeat), max);
  }

  private actor(run: RunRecord): AuditActor {
    return { type: 'playbook-run', id: run.id, jurisdiction: run.playbook.owner };
  }

  /** Count a side effect against the hourly cap; at the cap, open the breaker and stop acting. */
  private async budget(run: RunRecord, pb: CompiledPlaybook, member: string): Promise<Outcome | null> {
    const cap = pb.doc.guards.max_actions_per_hour ?? this.opts.blastRadiusPerHour;
    const took = await this.effects.takeBudget(pb.id, member, cap);
    if (took.ok) return null;
    const { approvalId } = await this.effects.tripBreaker({ playbookId: pb.id, owner: pb.doc.owner, runId: run.id, cap, count: took.count });
    return { next: 'stop', status: 'halted', reason: `blast radius reached: ${took.count} actions in the last hour (cap ${cap}); circuit breaker opened${approvalId ? `, approval ${approvalId} raised to resume` : ''}` };
  }

  private async block(run: RunRecord, pb: CompiledPlaybook, cs: CompiledStep, rec: StepRecord, acting: boolean): Promise<Outcome> {
    const input = rec.input as { target: string; jurisdictions: string[]; durations: Record<string, string>; escalate: unknown; reason: string; tlp: string | null; score: number; confidence: number; idempotencyKey: string };
    if (!input.jurisdictions.length) return this.skip(rec, 'no jurisdiction in scope');
    const decisions: Array<Record<string, unknown>> = [];
    const refused: Array<Record<string, unknown>> = [];
    // A run reacting to a shared indicator blocks on that share's word: the decision names it, so
    // revoking the share ends the decision like one the receiver's trust policy made.
    const prov = shareProvenance(run.trigger);
    for (const j of input.jurisdictions) {
      if (!acting) {
        const r = await this.effects.checkTarget(input.target, j);
        if (r) refused.push({ jurisdiction: j, code: r.code, reason: r.refused });
        else decisions.push({ value: input.target, jurisdiction: j, duration: input.durations[j] });
        continue;
      }
      const member = `${run.id}:${cs.id}:${j}`;
      const halted = await this.budget(run, pb, member);
      if (halted) {
        rec.result = { decisions, refused };
        return this.stop(rec, 'suppressed', {}, (halted as { status: RunStatus }).status, (halted as { reason: string }).reason);
      }
      const res = await this.attempt(rec, cs, () =>
        this.effects.ban({
          value: input.target,
          jurisdiction: j,
          reason: input.reason,
          duration: parseDuration(input.durations[j])!,
          escalate: false,
          origin: { type: 'playbook', id: run.id, ...(prov ?? {}) },
          actor: this.actor(run),
          score: input.score,
          confidence: input.confidence,
          ...(input.tlp ? { tlp: input.tlp as never } : {}),
          idempotencyKey: input.idempotencyKey,
          detail: { playbook: pb.id, version: pb.version, hash: pb.hash.slice(0, 12), step: cs.id, trigger: run.trigger.key, ...(prov ? { shareId: prov.share } : {}) },
        }),
      );
      if (res.ok) {
        // Also when the decision already stood (created: false, e.g. another share's): it now rests on this share too.
        if (prov) await this.attempt(rec, cs, () => this.effects.linkShare?.(prov.share, res.decision) ?? Promise.resolve());
        decisions.push({ id: res.decision.id, value: res.decision.value, jurisdiction: j, duration: input.durations[j], expires: res.decision.expires, created: res.created });
        if (!run.decisions.includes(res.decision.id)) run.decisions.push(res.decision.id);
      } else {
        await this.effects.releaseBudget(pb.id, member);
        refused.push({ jurisdiction: j, code: res.code, reason: res.refused });
      }
    }
    if (!decisions.length && refused.length) return this.stop(rec, 'refused', { decisions, refused }, 'refused', `block refused: ${refused.map((r) => `${r.jurisdiction}: ${r.reason}`).join('; ')}`);
    return this.done(rec, acting, { decisions, refused });
  }

  private skip(rec: StepRecord, reason: string): Outcome {
    rec.status = 'skipped';
    rec.result = { reason };
    this.ended(rec);
    return CONTINUE;
  }

  private async unblock(run: RunRecord, pb: CompiledPlaybook, cs: CompiledStep, rec: StepRecord, acting: boolean): Promise<Outcome> {
    const input = rec.input as { target: string; jurisdictions: string[]; reason: string };
    if (!input.jurisdictions.length) return this.skip(rec, 'no jurisdiction in scope');
    const ended: Array<Record<string, unknown>> = [];
    for (const j of input.jurisdictions) {
      if (!acting) {
        const d = await this.effects.activeDecision(input.target, j);
        ended.push({ jurisdiction: j, decision: d?.id ?? null, active: !!d });
        continue;
      }
      const halted = await this.budget(run, pb, `${run.id}:${cs.id}:${j}`);
      if (halted) return this.stop(rec, 'suppressed', { ended }, 'halted', (halted as { reason: string }).reason);
      const r = await this.attempt(rec, cs, () => this.effects.unban(input.target, j, { actor: this.actor(run), reason: input.reason }));
      ended.push(r.ok ? { jurisdiction: j, decision: r.decision.id, ended: r.ended } : { jurisdiction: j, decision: null, ended: false, note: r.refused });
    }
    return this.done(rec, acting, { ended });
  }

  private async share(run: RunRecord, pb: CompiledPlaybook, cs: CompiledStep, rec: StepRecord, acting: boolean): Promise<Outcome> {
    const input = rec.input as { target: string; from: string; to: string[]; tlp: string; minConfidence: number | null; ttl: string; reason: string; score: number; confidence: number; idempotencyKey: string };
    const refusal = await this.effects.checkTarget(input.target, input.from);
    if (refusal) return this.stop(rec, 'refused', { refused: [{ jurisdiction: input.from, code: refusal.code, reason: refusal.refused }] }, 'refused', `share refused: ${refusal.refused}`);
    if (!acting) return this.done(rec, false, { to: input.to, tlp: input.tlp });
    const halted = await this.budget(run, pb, `${run.id}:${cs.id}`);
    if (halted) return this.stop(rec, 'suppressed', {}, 'halted', (halted as { reason: string }).reason);
    const v = (run.trigger.view.threat ?? run.trigger.view.indicator ?? {}) as Record<string, any>;
    const res = await this.attempt(rec, cs, () =>
      this.effects.share({
        value: input.target,
        from: input.from,
        to: input.to,
        tlp: input.tlp as never,
        score: input.score,
        confidence: input.confidence,
        ttl: input.ttl,
        reason: input.reason,
        evidence: {
          rules: Object.fromEntries(((v.rules as string[]) ?? []).map((r) => [r, 1])),
          firstSeen: v.first_seen || null,
          lastSeen: v.last_seen || null,
          alerts: Number(v.alert_count ?? 0),
          jurisdictions: (v.jurisdictions as string[]) ?? [],
        },
        ...(input.minConfidence !== null ? { minConfidence: input.minConfidence } : {}),
        origin: { playbookRun: run.id, actor: this.actor(run) },
        idempotencyKey: input.idempotencyKey,
      }),
    );
    return this.done(rec, true, { shareId: res.shareId, targets: res.targets });
  }

  private defaultBody(run: RunRecord) {
    return {
      event: 'playbook.run',
      run: run.id,
      playbook: { id: run.playbook.id, name: run.playbook.name, version: run.playbook.version },
      owner: run.playbook.owner,
      mode: run.mode,
      trigger: { type: run.trigger.type, ip: run.trigger.ip, summary: run.trigger.summary },
      steps: run.steps.map((s) => ({ id: s.id, action: s.action, status: s.status })),
      decisions: run.decisions,
    };
  }

  private async notify(run: RunRecord, cs: CompiledStep, rec: StepRecord, acting: boolean): Promise<Outcome> {
    const input = rec.input as { url: string; secret: string; body: unknown; headers: Record<string, string>; deliveryId: string };
    if (!acting) return this.done(rec, false, { url: input.url });
    const timeoutMs = Math.min(this.stepTimeout(cs), this.opts.webhookTimeoutMs);
    const res = await this.attempt(rec, cs, () => this.effects.notify({ ...input, timeoutMs }));
    return this.done(rec, true, { status: res.status });
  }

  private async tag(run: RunRecord, pb: CompiledPlaybook, cs: CompiledStep, rec: StepRecord, acting: boolean): Promise<Outcome> {
    const input = rec.input as { target: string; jurisdiction: string; tags: string[]; note: string | null; ttl: string };
    if (!acting) return this.done(rec, false, { tags: input.tags });
    await this.attempt(rec, cs, () => this.effects.tag({ ip: input.target, jurisdiction: input.jurisdiction, tags: input.tags, note: input.note, ttlMs: parseDuration(input.ttl)!, runId: run.id, playbookId: pb.id }));
    return this.done(rec, true, { tags: input.tags });
  }

  /** What the steps after `from` will do if approved: the exact change an approver is shown. */
  private async preview(run: RunRecord, pb: CompiledPlaybook, from: number, b: Record<string, unknown>): Promise<Array<Record<string, unknown>>> {
    const out: Array<Record<string, unknown>> = [];
    for (const cs of pb.steps.slice(from + 1)) {
      if (cs.if) {
        const r = cs.if.eval(b);
        if (!r.ok || r.value !== true) continue;
      }
      try {
        const input = await this.resolve(run, pb, cs, b);
        if (cs.action === 'block') out.push({ step: cs.id, action: 'block', value: input.target, durations: input.durations });
        else if (cs.action === 'unblock') out.push({ step: cs.id, action: 'unblock', value: input.target, jurisdictions: input.jurisdictions });
        else if (cs.action === 'share') out.push({ step: cs.id, action: 'share', value: input.target, to: input.to, tlp: input.tlp });
        else if (cs.action === 'notify') out.push({ step: cs.id, action: 'notify', url: input.url });
        else if (cs.action === 'tag') out.push({ step: cs.id, action: 'tag', value: input.target, tags: input.tags });
        else out.push({ step: cs.id, action: 'approve', quorum: input.quorum });
      } catch (e) {
        out.push({ step: cs.id, action: cs.action, error: (e as Error).message });
      }
    }
    return out;
  }

  private async approve(run: RunRecord, pb: CompiledPlaybook, cs: CompiledStep, rec: StepRecord, b: Record<string, unknown>): Promise<Outcome> {
    const input = rec.input as { approvers: { roles: Array<'admin' | 'analyst'>; jurisdictions: string[] }; quorum: number; timeout: string; onTimeout: 'deny' | 'approve'; summary: string | null };
    const change = await this.preview(run, pb, cs.index, b);
    if (run.mode === 'shadow') return this.done(rec, false, { change, note: 'shadow: would have asked for approval; continues as if approved' });
    if (run.mode === 'dry') {
      const o = this.opts.approvalOutcome ?? 'approve';
      const approved = o === 'approve' || (o === 'timeout' && input.onTimeout === 'approve');
      if (approved) return this.done(rec, false, { change, outcome: o === 'timeout' ? 'timed-out' : 'approved' });
      return this.stop(rec, 'denied', { change, outcome: o === 'timeout' ? 'timed-out' : 'rejected' }, 'denied', `approval ${o === 'timeout' ? 'timed out' : 'rejected'} at step ${cs.id}`);
    }
    const summary = input.summary ?? `${pb.doc.name}: ${change.map(describe).join('; ') || 'continue'} (${run.trigger.summary})`;
    const req = await this.attempt(rec, cs, () =>
      this.effects.requestApproval({
        jurisdiction: pb.doc.owner,
        kind: 'playbook-step',
        summary: summary.slice(0, 500),
        change: { playbook: pb.id, version: pb.version, run: run.id, step: cs.id, steps: change },
        evidence: run.trigger.view,
        approvers: input.approvers,
        quorum: input.quorum,
        timeoutMs: parseDuration(input.timeout)!,
        onTimeout: input.onTimeout,
        requestedBy: this.actor(run),
        callback: { ...this.opts.approvalCallback, data: { runId: run.id, stepId: cs.id } },
        idempotencyKey: `${run.id}:${cs.id}`,
      }),
    );
    rec.status = 'waiting';
    rec.result = { approvalId: req.id, change };
    return { next: 'wait' };
  }

  private resumeApproval(run: RunRecord, cs: CompiledStep, rec: StepRecord): Outcome {
    const outcome = rec.result?.outcome as string | undefined;
    if (!outcome) return { next: 'wait' };
    if (outcome === 'approved') {
      rec.status = 'done';
      this.ended(rec);
      return CONTINUE;
    }
    return this.stop(rec, 'denied', {}, 'denied', `approval ${String(rec.result?.approvalId)} ${outcome === 'timed-out' ? 'timed out' : 'was rejected'} at step ${cs.id}`);
  }

  private stepTimeout(cs: CompiledStep): number {
    return cs.step.timeout ? parseDuration(cs.step.timeout)! : this.opts.stepTimeoutMs;
  }

  /** The step's retry policy: attempts with exponential backoff, each within the step timeout; permanent errors fail at once. */
  private async attempt<T>(rec: StepRecord, cs: CompiledStep, fn: () => Promise<T>): Promise<T> {
    const attempts = cs.step.retry?.attempts ?? this.opts.stepAttempts;
    const backoff = cs.step.retry ? parseDuration(cs.step.retry.backoff)! : this.opts.stepBackoffMs;
    const timeout = this.stepTimeout(cs);
    for (let i = 1; ; i++) {
      rec.attempts++;
      try {
        return await withTimeout(fn(), timeout, `step ${cs.id} timed out after ${formatDuration(timeout)}`);
      } catch (e) {
        if (e instanceof PermanentError || i >= attempts) throw e;
        await this.sleep(backoff * 2 ** (i - 1));
      }
    }
  }
}

function describe(c: Record<string, unknown>): string {
  switch (c.action) {
    case 'block':
      return `block ${c.value} in ${Object.entries(c.durations as Record<string, string>)
        .map(([j, d]) => `${j} for ${d}`)
        .join(', ')}`;
    case 'unblock':
      return `unblock ${c.value} in ${(c.jurisdictions as string[]).join(', ')}`;
    case 'share':
      return `share ${c.value} with ${(c.to as string[]).join(', ')} (TLP:${c.tlp})`;
    case 'notify':
      return `notify ${c.url}`;
    case 'tag':
      return `tag ${c.value} ${(c.tags as string[]).join(', ')}`;
    default:
      return String(c.action);
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)))]).finally(() => clearTimeout(timer));
}
