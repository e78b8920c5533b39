import { z } from 'zod';
import { AuditActor } from '../contracts/actor';

export { AuditActor } from '../contracts/actor';

export const AuditEntry = z.object({
  seq: z.number().int().min(1),
  at: z.string(),
  actor: AuditActor,
  /** Dotted verb, e.g. decision.created, decision.ended, key.revoked, allowlist.added. */
  action: z.string(),
  jurisdiction: z.string().nullable(),
  /** What changed: an id and a short description of the object. */
  target: z.object({ type: z.string(), id: z.string() }),
  reason: z.string().nullable(),
  detail: z.record(z.string(), z.unknown()),
  prevHash: z.string(),
  hash: z.string(),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

export type AuditInput = Pick<AuditEntry, 'actor' | 'action' | 'target'> & { jurisdiction?: string | null; reason?: string | null; detail?: Record<string, unknown> };

export const ListAuditQuery = z.strictObject({
  since: z.iso.datetime({ offset: true }).optional(),
  jurisdiction: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().regex(/^\d+$/).optional().describe('seq to continue after'),
});
