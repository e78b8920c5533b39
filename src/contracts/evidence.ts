import { z } from 'zod';

/**
 * Evidence summary that travels with an indicator (a share, a `shared.indicator` trigger, a
 * federation message): counts and times, never raw alerts.
 */
export const Evidence = z.object({
  rules: z
    .record(z.string().max(200), z.number().int().min(0))
    .refine((r) => Object.keys(r).length <= 100, 'at most 100 rules')
    .default({}),
  firstSeen: z.string().max(40).nullable().default(null),
  lastSeen: z.string().max(40).nullable().default(null),
  alerts: z.number().int().min(0).default(0),
  jurisdictions: z.array(z.string().max(200)).max(300).default([]),
});
export type Evidence = z.infer<typeof Evidence>;
