import { z } from 'zod';
import { NormalizedAlert } from '../contracts/alert';
import { Contribution } from '../contracts/jobs';

/** Ranked IPs a threat list considers at most (the total counts matches among them). */
export const THREATS_SCAN_MAX = 2000;

export const ListThreatsQuery = z.strictObject({
  min_score: z.coerce.number().min(0).max(100).default(1).describe('current (decayed) score at least this'),
  jurisdiction: z.string().optional().describe('view of this jurisdiction only'),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  flagged: z.enum(['true', 'false']).optional().describe('true: only IPs the federation flagged; false: only IPs not flagged; absent: both'),
  offset: z.coerce.number().int().min(0).max(THREATS_SCAN_MAX).default(0).describe('skip this many matching IPs (paging: the next page starts at offset + limit)'),
});

const Asn = z.object({ number: z.number().int(), org: z.string().nullable() }).nullable();

/**
 * `federation`: computed from every jurisdiction's reports (the key sees all that reported the IP);
 * `partial`: computed from the reports of the key's visible jurisdictions only.
 */
const View = z.enum(['federation', 'partial']);

export const ThreatSummary = z.object({
  ip: z.string(),
  score: z.number(),
  contributions: z.array(Contribution),
  firstSeen: z.string(),
  lastSeen: z.string(),
  jurisdictions: z.array(z.string()),
  alertCount: z.number().int(),
  flagged: z.boolean().describe('the federation flag: set when the score of all reporting jurisdictions together crossed the threshold, in partial views too'),
  flag: z
    .object({ generation: z.number().int(), score: z.number(), at: z.string() })
    .nullable()
    .describe('the latest federation flag: how many times (generation), at what federation score and when; null if never flagged'),
  threshold: z.number().describe('the flag threshold that applies to this IP (the lowest among the jurisdictions that reported it)'),
  blockedIn: z.array(z.string()).describe('jurisdictions you see with an active block decision on this address'),
  country: z.string().nullable(),
  asn: Asn,
  view: View,
});
export type ThreatSummary = z.infer<typeof ThreatSummary>;

export const ThreatList = z.object({
  items: z.array(ThreatSummary),
  scoredAt: z.string(),
  total: z.number().int().describe('IPs matching the filters (among the highest-ranked THREATS_SCAN_MAX = 2000 when totalExact is false)'),
  totalExact: z.boolean().describe('false when more ranked IPs exist than a list considers: total is then a lower bound'),
  offset: z.number().int(),
  limit: z.number().int(),
});

export const IpProfile = ThreatSummary.extend({
  scoredAt: z.string(),
  jurisdictionsSeen: z.array(z.object({ id: z.string(), lastSeen: z.string() })),
  alertsBySignature: z.array(z.object({ signature: z.string(), name: z.string().nullable(), count: z.number().int() })),
  rules: z.array(z.object({ id: z.string(), name: z.string().nullable(), lastFired: z.string(), value: z.number(), points: z.number() })),
  recurrence: z
    .object({
      blocks: z.number().int().describe('blocks recorded for this IP in your jurisdictions (the active ones included)'),
      past: z.number().int().describe('blocks before the active ones: blocks minus the jurisdictions where it is blocked now'),
      lastBlock: z.string().nullable(),
    }),
  allowlist: z.object({ allowlisted: z.boolean(), reason: z.string().nullable() }).nullable(),
  recentAlerts: z.array(NormalizedAlert).describe('the newest alerts received from this IP (at most 20), ordered by event time, newest first'),
  /** Filled by other domains through IP_PROFILE_EXTENSIONS (e.g. `decisions` from the block-list). */
  extensions: z.record(z.string(), z.unknown()),
});
export type IpProfile = z.infer<typeof IpProfile>;
