import { z } from 'zod';
import { NormalizedAlert } from '../contracts/alert';

export const ListAlertsQuery = z.strictObject({
  src_ip: z.string().optional(),
  jurisdiction: z.string().optional(),
  since: z.iso.datetime({ offset: true }).optional().describe('received at or after (ISO 8601)'),
  until: z.iso.datetime({ offset: true }).optional().describe('received before (ISO 8601)'),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().optional(),
});
export type ListAlertsQuery = z.infer<typeof ListAlertsQuery>;

/** Source country and AS from the offline databases, added when alerts are read (null: enrichment off). */
export const AlertEnrichment = z.object({ country: z.string().nullable(), asn: z.number().int().nullable(), org: z.string().nullable() });
export const AlertView = NormalizedAlert.extend({ enrichment: AlertEnrichment.nullable() });
export const AlertPage = z.object({ items: z.array(AlertView), next: z.string().nullable() });
