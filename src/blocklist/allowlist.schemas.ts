import { z } from 'zod';

/** A never-block entry added by people: global (jurisdiction null, hub admins only) or for one jurisdiction and everything below it. */
export const AllowlistEntry = z.object({
  id: z.string(),
  value: z.string(),
  jurisdiction: z.string().nullable(),
  reason: z.string(),
  created: z.string(),
  createdBy: z.string(),
  expires: z.string().nullable(),
});
export type AllowlistEntry = z.infer<typeof AllowlistEntry>;

/** Where an entry that matched comes from: people (allowlist), the bundled never-block ranges, or a jurisdiction's own networks from config. */
export const AllowlistSource = z.enum(['allowlist', 'bundled', 'jurisdiction']);
export type AllowlistSource = z.infer<typeof AllowlistSource>;

export const AllowlistMatch = z.object({
  source: AllowlistSource,
  value: z.string(),
  reason: z.string(),
  /** Set for people's entries. */
  id: z.string().nullable(),
  jurisdiction: z.string().nullable(),
});
export type AllowlistMatch = z.infer<typeof AllowlistMatch>;

export const ListAllowlistQuery = z.strictObject({
  jurisdiction: z.string().optional(),
  bundled: z.enum(['true', 'false']).transform((v) => v === 'true').optional().describe('also list bundled ranges and jurisdictions\' own networks'),
});

export const AddAllowlistBody = z.strictObject({
  value: z.string().min(1).max(64).describe('IP or CIDR'),
  reason: z.string().trim().min(1).max(1000),
  jurisdiction: z.string().optional().describe("default: the key's own; ignored when global"),
  global: z.boolean().optional().describe('applies to every jurisdiction (hub admins only)'),
  expires: z.string().max(40).optional().describe('a duration from now (30d) or an ISO 8601 time; default never'),
});

export const RemoveAllowlistBody = z.strictObject({ reason: z.string().trim().min(1).max(1000) });
export const RemoveAllowlistQuery = z.strictObject({ reason: z.string().trim().min(1).max(1000).optional() });
export const CheckAllowlistQuery = z.strictObject({ jurisdiction: z.string().optional() });

export const CheckAllowlistResponse = z.object({ ip: z.string(), jurisdiction: z.string(), allowlisted: z.boolean(), reason: z.string().nullable(), match: AllowlistMatch.nullable() });
export const AddAllowlistResponse = z.object({ entry: AllowlistEntry, ended: z.array(z.string()).describe('ids of active decisions the entry covered, now ended') });
