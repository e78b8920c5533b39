import { z } from 'zod';
import { formatDuration } from '../../contracts/duration';
import { durationMs } from './common';
import type { StepModule } from './step';

export const ApproveInput = z.object({
  approvers: z.object({ roles: z.array(z.enum(['admin', 'analyst'])), jurisdictions: z.array(z.string()) }),
  quorum: z.number(),
  timeout: z.string(),
  onTimeout: z.enum(['deny', 'approve']),
  summary: z.string().nullable(),
});
export type ApproveInput = z.infer<typeof ApproveInput>;

/**
 * Stops the run in `waiting` with an approval showing the exact change the later steps would make;
 * the approval's outcome resumes it. Shadow runs continue as if approved; dry runs end as the
 * options say (tests' given.approval).
 */
export const approveStep: StepModule<'approve', ApproveInput> = {
  kind: 'approve',
  input: ApproveInput,

  resolve: (ctx, a) => ({
    approvers: { roles: a.approvers.roles, jurisdictions: a.approvers.jurisdictions ?? [ctx.pb.doc.owner] },
    quorum: a.quorum,
    timeout: a.timeout ?? formatDuration(ctx.opts.approvalTimeoutMs),
    onTimeout: a.on_timeout,
    summary: ctx.text(ctx.cs.summary),
  }),

  async run(ctx, input) {
    const { run, pb, cs } = ctx;
    const later = await ctx.changesAfter();
    const change = later.map((c) => c.item);
    const summary = input.summary ?? `${pb.doc.name}: ${later.map((c) => c.text).join('; ') || 'continue'} (${run.trigger.summary})`;
    const req = await ctx.attempt(() =>
      ctx.effects.requestApproval({
        jurisdiction: pb.doc.owner,
        kind: 'playbook-step',
        summary: summary.slice(0, 500),
        change: { playbook: pb.id, version: pb.version, run: run.id, step: cs.id, steps: change },
        evidence: run.trigger.view,
        approvers: input.approvers,
        quorum: input.quorum,
        timeoutMs: durationMs(input.timeout),
        onTimeout: input.onTimeout,
        requestedBy: ctx.actor,
        subject: { runId: run.id, stepId: cs.id },
        idempotencyKey: `${run.id}:${cs.id}`,
      }),
    );
    return ctx.wait({ approvalId: req.id, change });
  },

  async preview(ctx, input) {
    const change = (await ctx.changesAfter()).map((c) => c.item);
    if (ctx.run.mode === 'shadow') return ctx.done({ change, note: 'shadow: would have asked for approval; continues as if approved' });
    const o = ctx.opts.approvalOutcome ?? 'approve';
    const approved = o === 'approve' || (o === 'timeout' && input.onTimeout === 'approve');
    if (approved) return ctx.done({ change, outcome: o === 'timeout' ? 'timed-out' : 'approved' });
    return ctx.stop('denied', { change, outcome: o === 'timeout' ? 'timed-out' : 'rejected' }, 'denied', `approval ${o === 'timeout' ? 'timed out' : 'rejected'} at step ${ctx.cs.id}`);
  },

  resume(ctx) {
    const { rec } = ctx;
    const outcome = rec.result?.outcome;
    if (!outcome) return { next: 'wait' };
    if (outcome === 'approved') return ctx.done(rec.result ?? {});
    return ctx.stop('denied', {}, 'denied', `approval ${String(rec.result?.approvalId)} ${outcome === 'timed-out' ? 'timed out' : 'was rejected'} at step ${ctx.cs.id}`);
  },

  change: (input) => ({ quorum: input.quorum }),
  describe: () => 'approve',
};
