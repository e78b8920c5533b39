import { z } from 'zod';
import { defineJob } from '../infra/queues/job';

export const PLAYBOOKS_QUEUE = 'playbooks';

export const Contribution = z.object({ factor: z.string(), points: z.number(), detail: z.string() });

/**
 * `threat.flagged`: an IP's score crossed its flag threshold (or a `flag: true` rule fired, or a
 * flagged IP's score rose by the re-flag step). One job per (ip, generation): re-delivery of the
 * same flag has the same job id.
 */
export const ThreatFlaggedPayload = z.object({
  /** The address, or for `kind: prefix` the IPv6 network CIDR ("2001:db8:1:2::/64"). */
  ip: z.string(),
  /** `prefix`: an IPv6 network scored as one (detection.ipv6Prefix); absent: a single address. */
  kind: z.enum(['ip', 'prefix']).optional(),
  /** Prefix length of a `prefix` flag. */
  prefix: z.number().int().min(1).max(128).optional(),
  /** Distinct addresses of the prefix seen (within the state TTL). */
  addresses: z.number().int().min(1).optional(),
  /** 1 for the first flag of this IP, then 2, 3... (each re-flag). */
  generation: z.number().int().min(1),
  reason: z.enum(['threshold', 'rule', 'rise']),
  score: z.number().min(0).max(100),
  threshold: z.number(),
  contributions: z.array(Contribution),
  /** Rules that fired for this IP (ids), for trigger conditions. */
  rules: z.array(z.string()),
  firstSeen: z.string(),
  lastSeen: z.string(),
  flaggedAt: z.string(),
  /** Jurisdictions whose sensors reported the IP. */
  jurisdictions: z.array(z.string()),
  /** Alert ids, newest first, at most detection.evidenceMax. */
  evidence: z.array(z.string()),
  /** The alert after which the IP was flagged. */
  decidingAlert: z.object({ id: z.string(), jurisdiction: z.string(), timestamp: z.string(), received: z.string() }),
  country: z.string().nullable(),
  asn: z.object({ number: z.number().int(), org: z.string().nullable() }).nullable(),
  alertCount: z.number().int(),
});
export type ThreatFlaggedPayload = z.infer<typeof ThreatFlaggedPayload>;

export const ThreatFlaggedJob = defineJob({ name: 'detection.threat-flagged', queue: PLAYBOOKS_QUEUE, payload: ThreatFlaggedPayload });

/** Job ids may not contain ':' (IPv6); the id is stable per (ip, generation). */
export const threatFlaggedJobId = (ip: string, generation: number) => `flag-${ip.replace(/:/g, '_')}-${generation}`;
