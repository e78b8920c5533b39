import { z } from 'zod';
import type { StepModule } from './step';

export const UnblockInput = z.object({ target: z.string(), jurisdictions: z.array(z.string()), reason: z.string() });
export type UnblockInput = z.infer<typeof UnblockInput>;

/** Ends the active decision for the target in each jurisdiction in scope (none active is not an error). */
export const unblockStep: StepModule<'unblock', UnblockInput> = {
  kind: 'unblock',
  input: UnblockInput,
  enforces: (input) => input.target,

  resolve(ctx, a) {
    const reason = ctx.reason();
    return { target: ctx.target(), jurisdictions: ctx.scope(a.scope), reason };
  },

  async run(ctx, input) {
    if (!input.jurisdictions.length) return ctx.skip('no jurisdiction in scope');
    const ended: Array<Record<string, unknown>> = [];
    for (const j of input.jurisdictions) {
      const halted = await ctx.budget(`${ctx.run.id}:${ctx.cs.id}:${j}`);
      if (halted) return ctx.stop('suppressed', { ended }, halted.status, halted.reason);
      const r = await ctx.attempt(() => ctx.effects.unban(input.target, j, { actor: ctx.actor, reason: input.reason }));
      ended.push(r.ok ? { jurisdiction: j, decision: r.decision.id, ended: r.ended } : { jurisdiction: j, decision: null, ended: false, note: r.refused });
    }
    return ctx.done({ ended });
  },

  async preview(ctx, input) {
    if (!input.jurisdictions.length) return ctx.skip('no jurisdiction in scope');
    const ended: Array<Record<string, unknown>> = [];
    for (const j of input.jurisdictions) {
      const d = await ctx.effects.activeDecision(input.target, j);
      ended.push({ jurisdiction: j, decision: d?.id ?? null, active: !!d });
    }
    return ctx.done({ ended });
  },

  change: (input) => ({ value: input.target, jurisdictions: input.jurisdictions }),
  describe: (input) => `unblock ${input.target} in ${input.jurisdictions.join(', ')}`,
};
