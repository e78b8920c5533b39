import { z } from 'zod';

/** Who did it: an API key, a playbook run, a peer deployment, or the system itself (expiry). */
export const AuditActor = z.object({
  type: z.enum(['key', 'playbook-run', 'peer', 'system', 'cli']),
  id: z.string(),
  role: z.string().optional(),
  jurisdiction: z.string().optional(),
});
export type AuditActor = z.infer<typeof AuditActor>;
