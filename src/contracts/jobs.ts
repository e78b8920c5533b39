import type { JobsOptions } from 'bullmq';
import { z } from 'zod';
import { NormalizedAlert } from './alert';
import { Evidence } from './evidence';
import { Tlp } from './tlp';

/**
 * Every queue and every job of Gwanje, with its payload schema: producers and handlers agree here
 * and nowhere else. Job ids may not contain ':' (IPv6, peer ids), hence the replace in the id helpers.
 */

/** A job: a stable name, the queue it lives on, and its payload schema (validated where the worker takes it). */
export interface JobDefinition<S extends z.ZodType = z.ZodType> {
  name: string;
  queue: string;
  payload: S;
  options?: JobsOptions;
}

export const defineJob = <S extends z.ZodType>(def: JobDefinition<S>) => def;

/** What a job's producer passes (before defaults). */
export type JobInput<J extends JobDefinition> = z.input<J['payload']>;
/** What a job's handler receives (validated, defaults applied). */
export type JobPayload<J extends JobDefinition> = z.output<J['payload']>;

export const INGEST_QUEUE = 'ingest';
export const PLAYBOOKS_QUEUE = 'playbooks';
/** Sharing's own queue: approval outcomes of review edges. */
export const SHARING_QUEUE = 'sharing';
/** Outbound federation deliveries (one job per message; each job delivers the peer's backlog up to its own seq, in order). */
export const FEDERATION_QUEUE = 'sharing-federation';

/**
 * Retention per queue, over the defaults (infra/queues/job.ts): chunks carry whole alerts and are
 * dead weight once stored; federation deliveries are many and small.
 */
export const QUEUE_RETENTION: Record<string, JobsOptions> = {
  [INGEST_QUEUE]: { removeOnComplete: { age: 60, count: 20 } },
  [FEDERATION_QUEUE]: { removeOnComplete: { age: 600, count: 1000 }, removeOnFail: { age: 7 * 86_400, count: 1000 } },
};

/** Job ids may not contain ':'. */
export const jobId = (...parts: string[]) => parts.join('-').replace(/:/g, '_');

// ---- ingest ----

/** A chunk of normalized alerts on its way to storage and detection. */
export const StoreChunkJob = defineJob({
  name: 'ingest.store-chunk',
  queue: INGEST_QUEUE,
  payload: z.object({
    batchId: z.string(),
    chunk: z.number().int().min(0),
    jurisdiction: z.string(),
    alerts: z.array(NormalizedAlert).min(1),
  }),
  // Chunks carry whole alerts: once stored they are dead weight, so completed jobs go at once.
  options: { removeOnComplete: { age: 60, count: 20 } },
});
export type StoreChunkPayload = z.infer<typeof StoreChunkJob.payload>;

// ---- playbooks: triggers ----

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

/** Stable per (ip, generation). */
export const threatFlaggedJobId = (ip: string, generation: number) => `flag-${ip.replace(/:/g, '_')}-${generation}`;

/**
 * `shared.indicator`: an indicator another jurisdiction shared arrived in `to`'s inbox (and the
 * trust policy let it reach playbooks). The sharing domain queues one job per (share, receiving
 * jurisdiction) on the `playbooks` queue with the job id from `sharedIndicatorJobId`; a re-delivered
 * job has the same id, and the run it starts is idempotent per (playbook, shareId, to).
 */
export const SharedIndicatorPayload = z.object({
  shareId: z.string().min(1).max(200),
  /** Canonical IP or CIDR. */
  value: z.string().min(1).max(64),
  /** Jurisdiction that shared it (the last hop). */
  from: z.string().min(1),
  /** Receiving jurisdiction: the playbooks owned by it (or by an ancestor of it) see the trigger. */
  to: z.string().min(1),
  tlp: Tlp,
  score: z.number().min(0).max(100),
  confidence: z.number().min(0).max(100),
  /** How long receivers should act on it, e.g. "24h". */
  ttl: z.string().min(1).max(32),
  reason: z.string().max(1000),
  evidence: Evidence.prefault({}),
  /** Jurisdictions it travelled through, origin first (the receiver not included). */
  chain: z.array(z.string()).max(32),
});
export type SharedIndicatorPayload = z.infer<typeof SharedIndicatorPayload>;

export const SharedIndicatorJob = defineJob({ name: 'sharing.indicator-received', queue: PLAYBOOKS_QUEUE, payload: SharedIndicatorPayload });

/** Stable per (share, receiving jurisdiction). */
export const sharedIndicatorJobId = (shareId: string, to: string) => `shared-${shareId}-${to}`.replace(/:/g, '_');

// ---- playbooks: runs and approvals ----

/** Advance a run (its id is also the job id of its first delivery). */
export const RunJob = defineJob({ name: 'playbooks.run', queue: PLAYBOOKS_QUEUE, payload: z.object({ runId: z.string() }) });

/** A pending approval's deadline (a delayed job: it survives restarts, unlike a timer). */
export const ApprovalTimeoutJob = defineJob({ name: 'approvals.timeout', queue: PLAYBOOKS_QUEUE, payload: z.object({ approvalId: z.string() }) });

const Outcome = { approvalId: z.string(), outcome: z.enum(['approved', 'rejected', 'timed-out']), approved: z.boolean() };

/** An approve step's approval was decided: resume (or end) the run. */
export const ApprovalDecidedJob = defineJob({ name: 'playbooks.approval-decided', queue: PLAYBOOKS_QUEUE, payload: z.object({ runId: z.string(), stepId: z.string(), ...Outcome }) });

/** A circuit breaker's approval was decided: approved closes it. */
export const BreakerDecidedJob = defineJob({ name: 'playbooks.breaker-decided', queue: PLAYBOOKS_QUEUE, payload: z.object({ playbookId: z.string(), ...Outcome }) });

// ---- sharing ----

/**
 * A review edge's approval was decided (queued by sharing's `approval.decided` listener). Without
 * shareId and jurisdiction the inbox entry is looked up by the approval id.
 */
export const ReviewDecidedJob = defineJob({
  name: 'sharing.review-decided',
  queue: SHARING_QUEUE,
  payload: z.object({
    approvalId: z.string().min(1),
    outcome: z.string().min(1),
    approved: z.boolean().optional(),
    shareId: z.string().min(1).optional(),
    jurisdiction: z.string().min(1).optional(),
  }),
});

export const PeerDeliverJob = defineJob({
  name: 'sharing.peer-deliver',
  queue: FEDERATION_QUEUE,
  payload: z.object({ peer: z.string().min(1), epoch: z.string().min(1), seq: z.number().int().min(0) }),
});

/** Stable per (peer, epoch, seq). */
export const peerDeliverJobId = (peer: string, epoch: string, seq: number) => `fed-${peer}-${epoch}-${seq}`.replace(/:/g, '_');

// ---- learning ----

/** Learning's queue: model training (on a schedule, a repeatable job). */
export const LEARNING_QUEUE = 'learning';

/** Train a model from the labelled examples: of one jurisdiction, or of every jurisdiction with examples (and the hub). */
export const TrainModelsJob = defineJob({
  name: 'learning.train',
  queue: LEARNING_QUEUE,
  payload: z.object({ jurisdiction: z.string().min(1).optional(), by: z.string().min(1).default('schedule') }),
  options: { removeOnComplete: { age: 86_400, count: 50 } },
});

/** Every job, for the start-up check that each has exactly one handler. */
export const ALL_JOBS: readonly JobDefinition[] = [StoreChunkJob, ThreatFlaggedJob, SharedIndicatorJob, RunJob, ApprovalTimeoutJob, ApprovalDecidedJob, BreakerDecidedJob, ReviewDecidedJob, PeerDeliverJob, TrainModelsJob];
