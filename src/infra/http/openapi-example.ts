/**
 * OpenAPI helpers over zod 4's JSON Schema: drop the ±2^53−1 bounds z.number().int() emits (Swagger
 * shows them as 9007199254740991 placeholders), and build an example for a body or response from
 * the schema: `.meta({ example })` / `examples` / `default` where a schema gives one, otherwise a
 * plausible value by field name (an IP for `ip`, a jurisdiction id for `jurisdiction`, …).
 */

type Schema = Record<string, unknown>;

const SAFE = Number.MAX_SAFE_INTEGER;

/** Remove minimum/maximum that only restate the safe-integer range, everywhere in the schema. */
export function stripSafeIntegerBounds<T>(node: T): T {
  if (Array.isArray(node)) return node.map(stripSafeIntegerBounds) as T;
  if (!node || typeof node !== 'object') return node;
  const out: Schema = {};
  for (const [k, v] of Object.entries(node as Schema)) {
    if ((k === 'minimum' || k === 'maximum' || k === 'exclusiveMinimum' || k === 'exclusiveMaximum') && typeof v === 'number' && Math.abs(v) >= SAFE) continue;
    out[k] = stripSafeIntegerBounds(v);
  }
  return out as T;
}

const AT = '2026-03-02T09:15:00.000Z';

/** Plausible values by field name, for fields whose schema gives no example. */
const BY_NAME: Array<[RegExp, (type: string) => unknown]> = [
  [/^(ip|value|src_ip|source_ip|address)$/i, () => '45.155.205.7'],
  [/cidr$/i, () => '45.155.205.0/24'],
  [/^(jurisdiction|owner|origin_jurisdiction)$/i, () => 'seoul-jongno'],
  [/(jurisdictions|^blockedIn|^children|^to)$/i, () => 'seoul-jongno'],
  [/^(factor)$/i, () => 'rate'],
  [/^(detail|summary)$/i, () => '42 alerts/min against a baseline of 0.4 (105×)'],
  [/^(org|as_org)$/i, () => 'CHINANET-BACKBONE'],
  [/^(threshold)$/i, () => 60],
  [/^(error|message)$/i, () => "suricata-eve: invalid JSON: no closing '}' (truncated line?)"],
  [/^(format)$/i, () => 'suricata-eve'],
  [/^(yaml|text)$/i, () => 'apiVersion: gwanje/v1\nkind: Playbook\nid: jongno-block-own\n…'],
  [/^(status)$/i, () => 'succeeded'],
  [/^(country)$/i, () => 'CN'],
  [/^(tlp)$/i, () => 'AMBER'],
  [/^(role)$/i, () => 'analyst'],
  [/(^|_)(at|time|timestamp|created|updated|expires|received|since|until|first_?seen|last_?seen|firstSeen|lastSeen|scoredAt|started|finished|ended|decided|deadline)$/i, (t) => (t === 'string' ? AT : undefined)],
  [/(reason|comment)$/i, () => 'ssh brute force from a known scanner'],
  [/^(name|title)$/i, () => 'Jongno-gu SOC'],
  [/^(signature)$/i, () => 'ET SCAN Potential SSH Scan'],
  [/^(duration)$/i, () => '24h'],
  [/^(score)$/i, () => 83.7],
  [/^(confidence)$/i, () => 80],
  [/^(port|dest_port|src_port)$/i, () => 22],
  [/^(cursor|next)$/i, () => null],
  [/^(key)$/i, () => 'gwk_2c4bcc1515f0_BW6v4lFKKyIrM5IP80zcFHCeiTENKiX64g62-DlEKa4'],
  [/^(playbookId|playbook)$/i, () => 'jongno-block-own'],
  [/^(createdBy|by|actor|requestedBy)$/i, () => 'analyst@seoul-jongno'],
  [/^(revoked|removed)$/i, () => null],
  [/^(idempotency_key)$/i, () => 'soc-ticket-2026-0312'],
  [/^(id|keyId|batchId|runId)$/i, () => 'b7f3c2a91e0d'],
];

function byName(name: string | undefined, type: string): unknown {
  if (!name) return undefined;
  for (const [re, f] of BY_NAME) {
    if (!re.test(name)) continue;
    const v = f(type);
    // Only a value of the schema's type: `status` is a word in a run, a number in a problem.
    const fits = v === null || (typeof v === 'string' ? type === 'string' : typeof v === 'number' ? type === 'number' || type === 'integer' : true);
    if (!fits) return undefined;
    return type === 'integer' && typeof v === 'number' ? Math.round(v) : v;
  }
  return undefined;
}

/** An example value for a JSON Schema (as zod 4 emits it, openapi-3.0 target). */
export function exampleOf(schema: unknown, name?: string, depth = 0): unknown {
  if (!schema || typeof schema !== 'object' || depth > 12) return null;
  const s = schema as Schema;
  if ('example' in s) return s.example;
  if (Array.isArray(s.examples) && s.examples.length) return s.examples[0];
  if ('default' in s && s.default !== undefined) return s.default;
  if ('const' in s) return s.const;
  if (Array.isArray(s.enum) && s.enum.length) return s.enum.find((v) => v !== null) ?? s.enum[0];
  for (const k of ['anyOf', 'oneOf'] as const) {
    const options = s[k];
    if (Array.isArray(options) && options.length) {
      const real = options.find((o) => !(o && typeof o === 'object' && (o as Schema).type === 'null' && Object.keys(o as Schema).length === 1)) ?? options[0];
      return exampleOf(real, name, depth + 1);
    }
  }
  if (Array.isArray(s.allOf) && s.allOf.length) return Object.assign({}, ...s.allOf.map((p) => exampleOf(p, name, depth + 1) as object));
  const type = Array.isArray(s.type) ? (s.type.find((t) => t !== 'null') as string) : (s.type as string | undefined);
  const named = byName(name, type ?? 'string');
  if (named !== undefined && type !== 'object' && type !== 'array') return named;
  switch (type) {
    case 'object': {
      const props = (s.properties ?? {}) as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(props)) out[k] = exampleOf(v, k, depth + 1);
      if (!Object.keys(props).length && s.additionalProperties && typeof s.additionalProperties === 'object') out[name === 'tags' ? 'jongno-blocked' : 'key'] = exampleOf(s.additionalProperties, undefined, depth + 1);
      return out;
    }
    case 'array': {
      if (Array.isArray(s.items)) return s.items.map((i) => exampleOf(i, name, depth + 1));
      const item = exampleOf(s.items, name, depth + 1);
      return item === null || item === undefined ? [] : [item];
    }
    case 'string':
      if (s.format === 'date-time') return AT;
      if (s.format === 'uri' || s.format === 'url') return 'https://soc.example.go.kr/hooks/gwanje';
      if (s.format === 'email') return 'soc@example.go.kr';
      if (s.format === 'ipv4') return '45.155.205.7';
      return typeof s.minLength === 'number' && s.minLength > 6 ? 'x'.repeat(s.minLength) : 'text';
    case 'integer':
      return typeof s.minimum === 'number' ? Math.max(s.minimum, Math.min(1, typeof s.maximum === 'number' ? s.maximum : 1)) : 1;
    case 'number':
      return typeof s.minimum === 'number' ? s.minimum : 1.5;
    case 'boolean':
      return true;
    case 'null':
      return null;
    default:
      return named ?? null;
  }
}
