import { z } from 'zod';
import { AuditActor } from './actor';
import { durationText } from './duration';
import { Evidence } from './evidence';
import { Tlp } from './tlp';

/**
 * The contract between a playbook `share` step (or an analyst) and the sharing domain: publish an
 * indicator from one jurisdiction to others. Trust policies on the receiving side decide what
 * happens there.
 */
export const ShareRequestSchema = z.object({
  value: z.string().min(1).max(64),
  from: z.string().min(1).max(200),
  /** Jurisdiction ids, or the groups 'children' | 'parent' | 'siblings' | 'all'. */
  to: z.array(z.string().min(1).max(200)).min(1).max(300),
  tlp: Tlp,
  score: z.number().min(0).max(100),
  confidence: z.number().min(0).max(100),
  /** How long receivers should act on it (e.g. "24h"). */
  ttl: durationText('a duration like 30m, 24h, 7d'),
  reason: z.string().trim().min(1).max(1000),
  evidence: Evidence.prefault({}),
  /** Skip targets below this confidence (a share step's `min_confidence`). */
  minConfidence: z.number().min(0).max(100).optional(),
  origin: z.object({ playbookRun: z.string().max(200).optional(), actor: AuditActor }),
  idempotencyKey: z.string().min(1).max(200).optional(),
  /**
   * The share this one forwards (a `shared.indicator` trigger's shareId). Optional: without it the
   * sender's inbox is searched for the value. Forwarding extends the chain and keeps the narrower TLP.
   */
  parentShareId: z.string().min(1).max(200).optional(),
});
/** What a caller passes (defaults not yet applied). */
export type ShareRequest = z.input<typeof ShareRequestSchema>;

export interface ShareResult {
  shareId: string;
  /** Per target: delivered to its inbox, or why not (TLP:RED, cycle, below confidence...). */
  targets: Array<{ jurisdiction: string; delivered: boolean; reason?: string }>;
}
