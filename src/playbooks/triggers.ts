import { z } from 'zod';

/** What a playbook can be started by. */
export const TriggerType = z.enum(['threat.flagged', 'alert', 'shared.indicator', 'manual']);
export type TriggerType = z.infer<typeof TriggerType>;

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
