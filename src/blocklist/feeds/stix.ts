import { createHash } from 'node:crypto';

/** Namespace of Gwanje's deterministic STIX ids (uuidv5): the same decision always gets the same indicator id. */
export const GWANJE_STIX_NAMESPACE = '3b0e6f1c-5d0a-4d8e-9f57-6a1f2a3c4b5d';

/** RFC 4122 version 5 UUID (SHA-1 of namespace and name). */
export function uuidv5(namespace: string, name: string): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const h = createHash('sha1').update(ns).update(name, 'utf8').digest();
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/** STIX pattern for an address or CIDR (STIX 2.1 allows CIDR notation in ipv4-addr/ipv6-addr values). */
export const stixPattern = (value: string) => `[${value.includes(':') ? 'ipv6-addr' : 'ipv4-addr'}:value = '${value}']`;

export const identityId = (jurisdiction: string) => `identity--${uuidv5(GWANJE_STIX_NAMESPACE, `jurisdiction:${jurisdiction}`)}`;
export const indicatorId = (d: { id: string; jurisdiction: string; value: string; created: string }) =>
  `indicator--${uuidv5(GWANJE_STIX_NAMESPACE, `decision:${d.jurisdiction}:${d.id}:${d.value}:${d.created}`)}`;

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}';
const ID = (type: string) => new RegExp(`^${type}--${UUID}$`);
const IP_PATTERN = /^\[(ipv4-addr|ipv6-addr):value = '([0-9a-fA-F.:/]+)'\]$/;

/** A STIX 2.1 object of the kinds our feeds carry (identity, marking-definition, indicator). */
export interface StixObject {
  type: string;
  spec_version: string;
  id: string;
  created: string;
  modified?: string;
  name?: string;
  definition_type?: string;
  definition?: unknown;
  extensions?: Record<string, unknown>;
  pattern?: string;
  pattern_type?: string;
  valid_from?: string;
  valid_until?: string;
  confidence?: number;
  revoked?: boolean;
  created_by_ref?: string;
  object_marking_refs?: string[];
  [k: string]: unknown;
}

/**
 * What is wrong with a STIX 2.1 bundle of identities, marking definitions and IP indicators (empty:
 * nothing): the properties the spec requires, id and timestamp syntax, IP patterns, TLP marking
 * references and carried marking definitions (both must be among `markingIds`).
 * Checks our feed in tests, and can screen indicators received from peers.
 */
export function stixBundleProblems(input: unknown, parseIp: (text: string) => { family: 4 | 6 } | null, markingIds: string[]): string[] {
  const problems: string[] = [];
  const bundle = (input ?? {}) as { type?: unknown; id?: unknown; objects?: unknown };
  if (bundle.type !== 'bundle') problems.push('bundle: type must be "bundle"');
  if (!ID('bundle').test(String(bundle.id))) problems.push(`bundle: id ${String(bundle.id)} is not bundle--<uuid>`);
  if (!Array.isArray(bundle.objects)) return [...problems, 'bundle: objects must be an array'];
  // Read as the spec types them; a property of another type fails the checks that read it.
  const objects = bundle.objects as StixObject[];
  const ids = new Set<string>();
  objects.forEach((o, i) => {
    const at = `objects[${i}]`;
    // Marking definitions are never versioned: no `modified`.
    const required = o?.type === 'marking-definition' ? ['type', 'spec_version', 'id', 'created'] : ['type', 'spec_version', 'id', 'created', 'modified'];
    for (const k of required) if (o?.[k as keyof StixObject] === undefined) problems.push(`${at}: ${k} is required`);
    if (o.spec_version !== '2.1') problems.push(`${at}: spec_version must be "2.1"`);
    if (!ID(o.type).test(String(o.id))) problems.push(`${at}: id ${o.id} is not ${o.type}--<uuid>`);
    if (ids.has(o.id)) problems.push(`${at}: duplicate id ${o.id}`);
    ids.add(o.id);
    for (const k of ['created', 'modified', 'valid_from', 'valid_until'] as const) if (o[k] !== undefined && !TIMESTAMP.test(o[k])) problems.push(`${at}: ${k} ${o[k]} is not an RFC 3339 UTC timestamp`);
    if (o.modified !== undefined && o.created !== undefined && o.modified < o.created) problems.push(`${at}: modified is before created`);
    if (o.type === 'identity' && typeof o.name !== 'string') problems.push(`${at}: identity name is required`);
    if (o.type === 'marking-definition') {
      if (o.modified !== undefined) problems.push(`${at}: a marking-definition has no modified`);
      const byExtension = o.extensions && typeof o.extensions === 'object' && Object.keys(o.extensions).length > 0;
      if (!byExtension && (typeof o.definition_type !== 'string' || typeof o.definition !== 'object')) problems.push(`${at}: marking-definition needs definition_type and definition, or extensions`);
      if (!markingIds.includes(o.id)) problems.push(`${at}: marking-definition ${o.id} is not a TLP 2.0 marking definition`);
    }
    if (o.type !== 'indicator') return;
    for (const k of ['pattern', 'pattern_type', 'valid_from'] as const) if (o[k] === undefined) problems.push(`${at}: ${k} is required`);
    if (o.pattern_type !== 'stix') problems.push(`${at}: pattern_type must be "stix"`);
    const m = IP_PATTERN.exec(String(o.pattern));
    const ip = m ? parseIp(m[2]) : null;
    if (!m || !ip || (ip.family === 4) !== (m[1] === 'ipv4-addr')) problems.push(`${at}: pattern ${o.pattern} is not [ipv4-addr|ipv6-addr:value = '<address or CIDR>']`);
    if (o.valid_until !== undefined && !(Date.parse(o.valid_until) > Date.parse(String(o.valid_from)))) problems.push(`${at}: valid_until must be after valid_from`);
    if (o.confidence !== undefined && !(Number.isInteger(o.confidence) && o.confidence >= 0 && o.confidence <= 100)) problems.push(`${at}: confidence must be an integer 0-100`);
    if (o.revoked !== undefined && typeof o.revoked !== 'boolean') problems.push(`${at}: revoked must be a boolean`);
    if (o.created_by_ref !== undefined && !ID('identity').test(o.created_by_ref)) problems.push(`${at}: created_by_ref is not identity--<uuid>`);
    for (const ref of o.object_marking_refs ?? []) if (!markingIds.includes(ref)) problems.push(`${at}: marking ${ref} is not a TLP 2.0 marking definition`);
  });
  for (const o of objects) if (o.created_by_ref && !ids.has(o.created_by_ref)) problems.push(`${o.id}: created_by_ref ${o.created_by_ref} is not in the bundle`);
  return problems;
}
