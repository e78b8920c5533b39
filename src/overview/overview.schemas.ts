import { z } from 'zod';
import { parseDuration } from '../contracts/duration';

/** A window like 15m, 1h, 6h, 24h: whole minutes, from 5 minutes to 24 hours. */
export const OVERVIEW_WINDOW_MAX_MS = 24 * 3_600_000;
export const OVERVIEW_WINDOW_MIN_MS = 5 * 60_000;

export function parseWindow(text: string): number | null {
  // The one duration dialect (contracts/duration), bounded here: whole minutes, 5m..24h.
  const ms = parseDuration(text);
  if (ms === null || ms % 60_000 !== 0) return null;
  return ms >= OVERVIEW_WINDOW_MIN_MS && ms <= OVERVIEW_WINDOW_MAX_MS ? ms : null;
}

export const OverviewQuery = z.strictObject({
  jurisdiction: z.string().optional().describe('one jurisdiction (checked against the key); default every jurisdiction the key sees'),
  window: z
    .string()
    .default('1h')
    .refine((w) => parseWindow(w) !== null, 'expected minutes or hours like 15m, 1h, 6h, 24h (5m to 24h)')
    .describe('how far back: 5m to 24h, e.g. 15m, 1h, 24h (default 1h)'),
});
export type OverviewQuery = z.infer<typeof OverviewQuery>;

const Count = z.object({ total: z.number().int(), byJurisdiction: z.record(z.string(), z.number().int()) });

/**
 * What a dashboard's first screen needs. A piece whose owning domain is not running in this
 * deployment (or failed to answer) is null, never an error.
 */
export const Overview = z.object({
  generatedAt: z.string(),
  window: z.string(),
  since: z.string().describe('start of the first minute counted'),
  until: z.string().describe('end of the current minute'),
  key: z.object({ id: z.string(), role: z.string(), jurisdiction: z.string() }).describe('the calling key (the dashboard shows who is logged in)'),
  jurisdictions: z.array(z.string()).describe('jurisdictions covered'),
  alerts: Count.extend({
    perMinute: z.array(z.object({ t: z.string(), count: z.number().int() })).describe('receive-time minutes, oldest first, zeros included'),
    byEventTime: z
      .object({
        minutes: z.array(z.string()).describe('the minutes of the window by event time (the sensor\'s timestamp), oldest first'),
        series: z
          .array(z.object({ severity: z.number().int().min(0).max(6), counts: z.array(z.number().int()).describe('alerts per minute, aligned with minutes') }))
          .describe('one series per severity id present (0 unknown … 6 fatal), lowest first'),
        outside: z.number().int().describe('sampled alerts whose event time is outside the window (replayed logs, skewed clocks)'),
      })
      .describe('alerts per minute by event time and severity, from the sampled alerts (see sample)'),
  }),
  targets: z
    .object({
      hosts: z.array(z.object({ ip: z.string(), count: z.number().int() })).describe('destination addresses most alerted on'),
      services: z.array(z.object({ port: z.number().int(), transport: z.string().nullable(), count: z.number().int() })).describe('destination ports (and transport) most alerted on'),
    })
    .describe('the internal hosts and services the sampled alerts target, at most 10 of each'),
  recentDecisions: z
    .array(
      z.object({
        id: z.string(),
        value: z.string(),
        jurisdiction: z.string(),
        created: z.string(),
        expires: z.string(),
        status: z.enum(['active', 'expired', 'ended']),
        origin: z.enum(['playbook', 'manual', 'shared']),
        reason: z.string(),
      }),
    )
    .nullable()
    .describe('the newest block decisions of the covered jurisdictions (at most 5), newest first; null when the block-list is not running'),
  flagged: z
    .object({
      total: z.number().int().describe('distinct IPs flagged in the window and reported by a covered jurisdiction'),
      recent: z.array(z.object({ ip: z.string(), score: z.number(), flaggedAt: z.string(), jurisdictions: z.array(z.string()) })),
    })
    .nullable(),
  activeDecisions: Count.nullable(),
  pendingApprovals: z.number().int().nullable(),
  topRules: z
    .array(z.object({ id: z.string().nullable(), name: z.string().nullable(), count: z.number().int() }))
    .describe('alert rules (signatures) among the sampled alerts of the window'),
  topCountries: z.array(z.object({ country: z.string(), count: z.number().int() })).nullable().describe('source countries of the sampled alerts (offline enrichment); null when enrichment is off'),
  sample: z.object({ alerts: z.number().int(), complete: z.boolean() }).describe('topRules, topCountries, targets and byEventTime come from the newest alerts of the window, at most this many'),
});
export type Overview = z.infer<typeof Overview>;
