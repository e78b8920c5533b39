import { z } from 'zod';

/** TAXII 2.1 (OASIS, 2021): the one media type every TAXII response has, and what clients send in Accept. */
export const TAXII_MEDIA_TYPE = 'application/taxii+json;version=2.1';
export const STIX_MEDIA_TYPE = 'application/stix+json;version=2.1';
/** The only API root this server has (its path under /taxii2/). */
export const API_ROOT = 'gwanje';
export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 1000;

/** TAXII timestamps: RFC 3339 in UTC; `date_added` carries microseconds. */
const Timestamp = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/, 'an RFC 3339 UTC timestamp like 2026-11-23T10:00:00.000000Z');

/** Query of the Get Objects and Get Manifest endpoints (TAXII 2.1 §5.4, §5.6; filtering §3.6). */
export const ObjectsQuery = z.strictObject({
  added_after: Timestamp.optional(),
  limit: z.coerce.number().int().min(1).optional(),
  next: z.string().regex(/^\d{1,20}$/, 'the next value of a previous response').optional(),
  'match[id]': z.string().max(4000).optional(),
  'match[type]': z.string().max(1000).optional(),
  'match[version]': z.string().max(4000).optional(),
  'match[spec_version]': z.string().max(100).optional(),
});
export type ObjectsQuery = z.infer<typeof ObjectsQuery>;

export const Discovery = z.object({ title: z.string(), description: z.string().optional(), contact: z.string().optional(), default: z.string().optional(), api_roots: z.array(z.string()).optional() });
export const ApiRoot = z.object({ title: z.string(), description: z.string().optional(), versions: z.array(z.string()).min(1), max_content_length: z.number().int() });
export const Collection = z.object({
  id: z.string(),
  title: z.string(),
  description: z.string().optional(),
  alias: z.string().optional(),
  can_read: z.boolean(),
  can_write: z.boolean(),
  media_types: z.array(z.string()).optional(),
});
export type Collection = z.infer<typeof Collection>;
export const Collections = z.object({ collections: z.array(Collection).optional() });
export const Envelope = z.object({ more: z.boolean().optional(), next: z.string().optional(), objects: z.array(z.record(z.string(), z.unknown())).optional() });
export const ManifestRecord = z.object({ id: z.string(), date_added: z.string(), version: z.string(), media_type: z.string().optional() });
export const Manifest = z.object({ more: z.boolean().optional(), next: z.string().optional(), objects: z.array(ManifestRecord).optional() });
/** TAXII's error message resource (§3.6.1): `title` is required; http_status is a string. */
export const TaxiiError = z.object({ title: z.string(), description: z.string().optional(), error_id: z.string().optional(), error_code: z.string().optional(), http_status: z.string().optional(), details: z.record(z.string(), z.unknown()).optional() });

/** µs since the epoch → RFC 3339 with microseconds. */
export function formatMicros(us: number): string {
  const ms = Math.floor(us / 1000);
  const iso = new Date(ms).toISOString(); // ...ss.mmmZ
  return `${iso.slice(0, 23)}${String(us % 1000).padStart(3, '0')}Z`;
}

/** RFC 3339 (any sub-second precision) → µs since the epoch; NaN when unparsable. */
export function parseMicros(ts: string): number {
  const m = /^(.*T\d{2}:\d{2}:\d{2})(?:\.(\d+))?Z$/.exec(ts);
  if (!m) return NaN;
  const secMs = Date.parse(`${m[1]}Z`);
  const frac = (m[2] ?? '').padEnd(6, '0').slice(0, 6);
  return secMs * 1000 + Number(frac);
}
