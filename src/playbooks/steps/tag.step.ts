import { z } from 'zod';
import { durationMs } from './common';
import type { StepModule } from './step';

export const TagInput = z.object({ target: z.string(), jurisdiction: z.string(), tags: z.array(z.string()), note: z.string().nullable(), ttl: z.string() });
export type TagInput = z.infer<typeof TagInput>;

/** Annotates the IP profile in the owner's jurisdiction; tags expire after `ttl`. */
export const tagStep: StepModule<'tag', TagInput> = {
  kind: 'tag',
  input: TagInput,

  resolve: (ctx, a) => ({ target: ctx.target(), jurisdiction: ctx.pb.doc.owner, tags: a.tags, note: ctx.text(ctx.cs.note), ttl: a.ttl }),

  async run(ctx, input) {
    await ctx.attempt(() =>
      ctx.effects.tag({ ip: input.target, jurisdiction: input.jurisdiction, tags: input.tags, note: input.note, ttlMs: durationMs(input.ttl), runId: ctx.run.id, playbookId: ctx.pb.id }),
    );
    return ctx.done({ tags: input.tags });
  },

  preview: async (ctx, input) => ctx.done({ tags: input.tags }),

  change: (input) => ({ value: input.target, tags: input.tags }),
  describe: (input) => `tag ${input.target} ${input.tags.join(', ')}`,
};
