import { z } from 'zod';
import type { RunRecord } from '../engine/run.types';
import { PermanentError } from '../engine/errors';
import { renderBody } from '../model/compile';
import type { StepModule } from './step';

export const NotifyInput = z.object({
  url: z.string(),
  secret: z.string(),
  body: z.unknown(),
  headers: z.record(z.string(), z.string()),
  /** Stable per run and step (or the idempotency_key): receivers deduplicate on it. */
  deliveryId: z.string(),
});
export type NotifyInput = z.infer<typeof NotifyInput>;

/** Without a `body`: the run summary so far. */
function defaultBody(run: RunRecord) {
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

/** A signed JSON POST to a webhook (SSRF guard, retries and refusals in engine/webhook.ts). */
export const notifyStep: StepModule<'notify', NotifyInput> = {
  kind: 'notify',
  input: NotifyInput,

  resolve(ctx, a) {
    let body: unknown;
    try {
      body = ctx.cs.body ? renderBody(ctx.cs.body, ctx.bindings) : defaultBody(ctx.run);
    } catch (e) {
      throw new PermanentError(`body: ${(e as Error).message}`);
    }
    const headers = Object.fromEntries(ctx.cs.headers.map(([k, t]) => [k, ctx.text(t) ?? '']));
    return { url: a.url, secret: a.secret, body, headers, deliveryId: ctx.key() };
  },

  async run(ctx, input) {
    const timeoutMs = Math.min(ctx.stepTimeoutMs, ctx.opts.webhookTimeoutMs);
    const res = await ctx.attempt(() => ctx.effects.notify({ ...input, timeoutMs }));
    return ctx.done({ status: res.status });
  },

  preview: async (ctx, input) => ctx.done({ url: input.url }),

  change: (input) => ({ url: input.url }),
  describe: (input) => `notify ${input.url}`,
};
