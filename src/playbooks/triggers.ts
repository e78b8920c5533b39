import { z } from 'zod';
import { defineJob } from '../infra/queues/job';
import { PLAYBOOKS_QUEUE } from '../detection/threat-flagged.job';

export { PLAYBOOKS_QUEUE };

/** What a playbook can be started by. */
export const TriggerType = z.enum(['threat.flagged', 'alert', 'shared.indicator', 'manual']);
export type TriggerType = z.infer<typeof TriggerType>;

const Tlp = z.enum(['CLEAR', 'GREEN', 'AMBER', 'AMBER+STRICT', 'RED']);

/**
 * `shared.indicator`: an indicator another jurisdiction shared arrived in `to`'s inbox (and the
 * trust policy let it reach playbooks). The sharing service queues one job per (share, receiving
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
  evidence: z
    .object({
      rules: z.record(z.string(), z.number()).default({}),
      firstSeen: z.string().nullable().default(null),
      lastSeen: z.string().nullable().default(null),
      alerts: z.number().int().min(0).default(0),
      jurisdictions: z.array(z.string()).default([]),
    })
    .prefault({}),
  /** Jurisdictions it travelled through, origin first (the receiver not included). */
  chain: z.array(z.string()).max(32),
});
export type SharedIndicatorPayload = z.infer<typeof SharedIndicatorPayload>;

export const SharedIndicatorJob = defineJob({ name: 'sharing.indicator-received', queue: PLAYBOOKS_QUEUE, payload: SharedIndicatorPayload });

/** Job ids may not contain ':'; stable per (share, receiving jurisdiction). */
export const sharedIndicatorJobId = (shareId: string, to: string) => `shared-${shareId}-${to}`.replace(/:/g, '_');

/** A manual run: POST /v1/playbooks/:id/run. */
export const ManualRunBody = z.strictObject({
  ip: z.string().min(1).max(64).describe('IP or CIDR the run acts on (threat.ip)'),
  reason: z.string().trim().min(1).max(1000),
  score: z.number().min(0).max(100).optional().describe('default 100'),
  confidence: z.number().min(0).max(100).optional().describe('default the score'),
  country: z.string().max(2).optional(),
  idempotency_key: z.string().min(1).max(200).optional().describe('the same key runs the playbook once'),
});
export type ManualRunBody = z.infer<typeof ManualRunBody>;
