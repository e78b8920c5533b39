import { z } from 'zod';
import { formatDuration } from '../../contracts/duration';
import { Tlp } from '../../contracts/tlp';
import { shareProvenance } from '../model/variables';
import type { StepArgs } from '../model/playbook.schema';
import { durationMs, scoreOf } from './common';
import type { Outcome, ResolveContext, StepContext, StepModule } from './step';

export const BlockInput = z.object({
  target: z.string(),
  jurisdictions: z.array(z.string()),
  duration: z.string(),
  /** Per jurisdiction, after escalation. */
  durations: z.record(z.string(), z.string()),
  previousBans: z.record(z.string(), z.number()),
  escalate: z.union([z.boolean(), z.object({ factor: z.number(), max: z.string() })]),
  reason: z.string(),
  tlp: Tlp.nullable(),
  score: z.number(),
  confidence: z.number(),
  idempotencyKey: z.string(),
});
export type BlockInput = z.infer<typeof BlockInput>;

type Row = Record<string, unknown>;

/** The playbook's escalation (`escalate: {factor, max}`) or the block-list's (`true`). */
function escalated(ctx: ResolveContext, base: number, repeat: number, escalate: StepArgs['block']['escalate']): number {
  if (escalate === false || repeat === 0) return base;
  if (escalate === true) return ctx.effects.escalated(base, repeat, true);
  const max = Math.max(durationMs(escalate.max), base);
  return Math.min(base * Math.pow(escalate.factor, repeat), max);
}

function finish(ctx: StepContext, decisions: Row[], refused: Row[]): Outcome {
  if (!decisions.length && refused.length) return ctx.stop('refused', { decisions, refused }, 'refused', `block refused: ${refused.map((r) => `${String(r.jurisdiction)}: ${String(r.reason)}`).join('; ')}`);
  return ctx.done({ decisions, refused });
}

/** One decision per jurisdiction in scope, through the block-list (allowlists, prefix rules, feeds). */
export const blockStep: StepModule<'block', BlockInput> = {
  kind: 'block',
  input: BlockInput,
  enforces: (input) => input.target,

  async resolve(ctx, a) {
    const reason = ctx.reason();
    const target = ctx.target();
    const base = durationMs(a.duration);
    const jurisdictions = ctx.scope(a.scope);
    const durations: Record<string, string> = {};
    const repeats: Record<string, number> = {};
    for (const j of jurisdictions) {
      const repeat = a.escalate === false ? 0 : await ctx.effects.previousBans(target, j);
      repeats[j] = repeat;
      const ms = escalated(ctx, base, repeat, a.escalate);
      // As the officer wrote it ("24h", not "1d") unless escalation changed it.
      durations[j] = ms === base ? a.duration : formatDuration(ms);
    }
    return { target, jurisdictions, duration: a.duration, durations, previousBans: repeats, escalate: a.escalate, reason, tlp: a.tlp ?? null, ...scoreOf(ctx.run.trigger.view), idempotencyKey: ctx.key() };
  },

  async run(ctx, input) {
    if (!input.jurisdictions.length) return ctx.skip('no jurisdiction in scope');
    const { run, pb, cs, rec } = ctx;
    const decisions: Row[] = [];
    const refused: Row[] = [];
    // A run reacting to a shared indicator blocks on that share's word: the decision names it, so
    // revoking the share ends the decision like one the receiver's trust policy made.
    const prov = shareProvenance(run.trigger);
    for (const j of input.jurisdictions) {
      const member = `${run.id}:${cs.id}:${j}`;
      const halted = await ctx.budget(member);
      if (halted) {
        rec.result = { decisions, refused };
        return ctx.stop('suppressed', {}, halted.status, halted.reason);
      }
      const res = await ctx.attempt(() =>
        ctx.effects.ban({
          value: input.target,
          jurisdiction: j,
          reason: input.reason,
          duration: durationMs(input.durations[j]),
          escalate: false,
          origin: { type: 'playbook', id: run.id, ...(prov ?? {}) },
          actor: ctx.actor,
          score: input.score,
          confidence: input.confidence,
          ...(input.tlp ? { tlp: input.tlp } : {}),
          idempotencyKey: input.idempotencyKey,
          detail: { playbook: pb.id, version: pb.version, hash: pb.hash.slice(0, 12), step: cs.id, trigger: run.trigger.key, ...(prov ? { shareId: prov.share } : {}) },
        }),
      );
      if (res.ok) {
        // Also when the decision already stood (created: false, e.g. another share's): it now rests on this share too.
        if (prov) await ctx.attempt(() => ctx.effects.linkShare?.(prov.share, res.decision) ?? Promise.resolve());
        decisions.push({ id: res.decision.id, value: res.decision.value, jurisdiction: j, duration: input.durations[j], expires: res.decision.expires, created: res.created });
        if (!run.decisions.includes(res.decision.id)) run.decisions.push(res.decision.id);
      } else {
        await ctx.effects.releaseBudget(pb.id, member);
        refused.push({ jurisdiction: j, code: res.code, reason: res.refused });
      }
    }
    return finish(ctx, decisions, refused);
  },

  async preview(ctx, input) {
    if (!input.jurisdictions.length) return ctx.skip('no jurisdiction in scope');
    const decisions: Row[] = [];
    const refused: Row[] = [];
    for (const j of input.jurisdictions) {
      const r = await ctx.effects.checkTarget(input.target, j);
      if (r) refused.push({ jurisdiction: j, code: r.code, reason: r.refused });
      else decisions.push({ value: input.target, jurisdiction: j, duration: input.durations[j] });
    }
    return finish(ctx, decisions, refused);
  },

  change: (input) => ({ value: input.target, durations: input.durations }),
  describe: (input) =>
    `block ${input.target} in ${Object.entries(input.durations)
      .map(([j, d]) => `${j} for ${d}`)
      .join(', ')}`,
};
