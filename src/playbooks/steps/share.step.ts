import { z } from 'zod';
import { Tlp } from '../../contracts/tlp';
import { scoreOf, subjectOf } from './common';
import type { StepContext, StepModule } from './step';

export const ShareInput = z.object({
  target: z.string(),
  from: z.string(),
  to: z.array(z.string()),
  tlp: Tlp,
  minConfidence: z.number().nullable(),
  ttl: z.string(),
  reason: z.string(),
  score: z.number(),
  confidence: z.number(),
  idempotencyKey: z.string(),
});
export type ShareInput = z.infer<typeof ShareInput>;

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);
const textOrNull = (v: unknown): string | null => (typeof v === 'string' && v ? v : null);

/** An allowlisted target is refused before anything is shared. */
async function refusal(ctx: StepContext, input: ShareInput) {
  const r = await ctx.effects.checkTarget(input.target, input.from);
  return r && ctx.stop('refused', { refused: [{ jurisdiction: input.from, code: r.code, reason: r.refused }] }, 'refused', `share refused: ${r.refused}`);
}

/** Publishes through the sharing service (receivers' trust policies apply) with the run as provenance. */
export const shareStep: StepModule<'share', ShareInput> = {
  kind: 'share',
  input: ShareInput,
  enforces: (input) => input.target,

  resolve(ctx, a) {
    const reason = ctx.reason();
    return { target: ctx.target(), from: ctx.pb.doc.owner, to: a.to, tlp: a.tlp, minConfidence: a.min_confidence ?? null, ttl: a.ttl, reason, ...scoreOf(ctx.run.trigger.view), idempotencyKey: ctx.key() };
  },

  async run(ctx, input) {
    const refused = await refusal(ctx, input);
    if (refused) return refused;
    const halted = await ctx.budget(`${ctx.run.id}:${ctx.cs.id}`);
    if (halted) return ctx.stop('suppressed', {}, halted.status, halted.reason);
    const v = subjectOf(ctx.run.trigger.view);
    const res = await ctx.attempt(() =>
      ctx.effects.share({
        value: input.target,
        from: input.from,
        to: input.to,
        tlp: input.tlp,
        score: input.score,
        confidence: input.confidence,
        ttl: input.ttl,
        reason: input.reason,
        evidence: {
          rules: Object.fromEntries(strings(v.rules).map((r) => [r, 1])),
          firstSeen: textOrNull(v.first_seen),
          lastSeen: textOrNull(v.last_seen),
          alerts: Number(v.alert_count ?? 0),
          jurisdictions: strings(v.jurisdictions),
        },
        ...(input.minConfidence !== null ? { minConfidence: input.minConfidence } : {}),
        origin: { playbookRun: ctx.run.id, actor: ctx.actor },
        idempotencyKey: input.idempotencyKey,
      }),
    );
    return ctx.done({ shareId: res.shareId, targets: res.targets });
  },

  async preview(ctx, input) {
    return (await refusal(ctx, input)) ?? ctx.done({ to: input.to, tlp: input.tlp });
  },

  change: (input) => ({ value: input.target, to: input.to, tlp: input.tlp }),
  describe: (input) => `share ${input.target} with ${input.to.join(', ')} (TLP:${input.tlp})`,
};
