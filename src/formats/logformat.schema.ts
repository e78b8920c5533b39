import { z } from 'zod';
import { AlertFormat, FormatId } from '../contracts/alert';
import { UtcOffset } from '../contracts/zone';

/**
 * `kind: LogFormat` (docs/formats.md): how to recognise a device's line, how to cut it into fields,
 * how those fields map onto the normalized alert, and sample lines that must produce what they say.
 */

/** Normalized fields a `map` may set (the envelope fields id, received, jurisdiction, original are Gwanje's). */
export const MAP_TARGETS = [
  'timestamp',
  'observer.vendor',
  'observer.product',
  'observer.name',
  'source.ip',
  'source.port',
  'destination.ip',
  'destination.port',
  'transport',
  'rule.id',
  'rule.name',
  'rule.category',
  'action',
  'severity',
] as const;
export type MapTarget = (typeof MAP_TARGETS)[number];

/** Fields a sample's `expect` may check: the map targets plus the parts of action and severity. */
export const EXPECT_FIELDS = [...MAP_TARGETS.filter((t) => t !== 'action' && t !== 'severity'), 'action.value', 'action.raw', 'severity.id', 'severity.raw', 'timezone_source', 'format'] as const;

/** Built-in severity scales (docs/alert-schema.md#severity-mapping). */
export const SeverityScale = z.enum(['words', 'syslog', 'ten', 'priority', 'ocsf']);
export const Charset = z.enum(['euc-kr', 'cp949']);

const SourceRef = z.union([z.string().min(1), z.array(z.string().min(1)).min(1).max(16)]);

/** One normalized field from the extracted ones, with small transforms applied in a fixed order. */
export const FieldSpec = z.strictObject({
  /** Extracted field (or list: the first present one; with `join`, all present ones joined). */
  from: SourceRef.optional(),
  /** A constant instead of (or when `from` is absent/empty, besides) an extracted value. */
  value: z.union([z.string(), z.number()]).optional(),
  /** Used when the extracted value is absent. */
  default: z.union([z.string(), z.number()]).optional(),
  join: z.string().max(8).optional(),
  /** Values meaning "no value" besides the empty string (FortiGate's `N/A`). */
  nulls: z.array(z.string()).max(16).optional(),
  /** Decode percent-encoded or Latin-1-mangled bytes as Korean text. */
  charset: Charset.optional(),
  lower: z.boolean().optional(),
  /** A regular expression with one capture group: the captured part is kept (no match: no value). */
  pick: z.string().min(1).max(512).optional(),
  /** Lookup table raw → value, after `lower`; an unmapped value passes through (severity: → `default` or 0). */
  map: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
  /** Severity only: a built-in scale. */
  scale: SeverityScale.optional(),
  /** Action only: extra words for allowed/blocked, besides the built-in ones (permit, deny, 허용, 차단 …). */
  allowed: z.array(z.string().min(1)).max(64).optional(),
  blocked: z.array(z.string().min(1)).max(64).optional(),
  /** Timestamp only: `epoch`, `iso`, or a date pattern (yyyy-MM-dd HH:mm:ss, MMM dd HH:mm:ss …). */
  layout: z.string().min(1).max(64).optional(),
  /** Timestamp only: the device's zone for local times (else the sender's configured zone). */
  timezone: UtcOffset.optional(),
  /** Timestamp only: an extracted field holding the zone (`tz=-0800`); it wins when readable. */
  timezoneFrom: z.string().min(1).optional(),
  /** IP/port fields: the value is "ip:port" ("[v6]:port"); take this part of it. */
  hostPort: z.enum(['ip', 'port']).optional(),
  /** Transport only: IANA protocol numbers become names (6 → tcp); false keeps the text as written. */
  protocolNames: z.boolean().optional(),
  /** Text with `{field}` placeholders filled from extracted fields ("pf rule {rule} on {iface}"). */
  template: z.string().min(1).max(256).optional(),
});
export type FieldSpec = z.infer<typeof FieldSpec>;

/** A field's spec, or just the name of the extracted field it comes from. */
export const MapEntry = z.union([z.string().min(1), FieldSpec, z.array(FieldSpec).min(1).max(8)]);
export type MapEntry = z.infer<typeof MapEntry>;

export const FieldMap = z.record(z.string(), MapEntry);

/** Condition on extracted fields: a value, any of a list (case-insensitive), a regex, or presence. */
export const Condition = z.union([
  z.string(),
  z.array(z.string()).min(1),
  z.strictObject({ regex: z.string().min(1).max(512) }),
  z.strictObject({ present: z.boolean() }),
]);
export const When = z.record(z.string(), Condition);

export const Case = z.strictObject({
  /** All must hold; no `when` matches everything. */
  when: When.optional(),
  /** Fields set or overridden for lines of this case. */
  map: FieldMap.optional(),
  /** Lines of this case are not alerts: skipped with this reason. */
  skip: z.string().min(1).optional(),
  /** Lines of this case are malformed: rejected with this reason. */
  reject: z.string().min(1).optional(),
});

const Extract = z.union([
  z.strictObject({ regex: z.string().min(1).max(4096) }),
  z.strictObject({ grok: z.string().min(1).max(4096), patterns: z.record(z.string().regex(/^[A-Z0-9_]+$/, 'grok pattern names are upper case'), z.string().min(1).max(1024)).optional() }),
  z.strictObject({
    kv: z.strictObject({
      /** Between pairs (default a space; TAB as "\t"). */
      separator: z.string().min(1).max(4).default(' '),
      /** Between key and value (default "="). */
      pairSeparator: z.string().min(1).max(4).default('='),
      /** Quote character around values that hold the separator (default '"'; "" for none). */
      quote: z.string().max(1).default('"'),
    }),
  }),
  z.strictObject({
    csv: z.strictObject({
      header: z.array(z.string().min(1)).min(1).max(256),
      delimiter: z.string().length(1).default(','),
      quote: z.string().max(1).default('"'),
    }),
  }),
  z.strictObject({ json: z.strictObject({ paths: z.record(z.string(), z.string().min(1)) }) }),
]);
export type Extract = z.infer<typeof Extract>;

export const Sample = z.strictObject({
  line: z.string().min(1),
  /** Normalized fields the line must produce (dotted names); null for "no value". */
  expect: z.record(z.string(), z.union([z.string(), z.number(), z.null()])).optional(),
  /** The line must be skipped (not an alert); a string must appear in the skip reason. */
  skip: z.union([z.literal(true), z.string()]).optional(),
  /** The line must be rejected; a string must appear in the reason. */
  reject: z.union([z.literal(true), z.string()]).optional(),
  /** When the line is taken to arrive (year inference, lines without a time); default 2025-06-15T00:00:00Z. */
  received: z.iso.datetime().optional(),
  /** The sender's configured zone for device-local times; default +09:00 (KST). */
  timezone: UtcOffset.optional(),
});
export type Sample = z.infer<typeof Sample>;

export const LogFormatDoc = z.strictObject({
  apiVersion: z.literal('gwanje/v1'),
  kind: z.literal('LogFormat'),
  metadata: z.strictObject({
    // Built-in ids win: a definition may not take one (nor `auto`), so an id always names one parser.
    id: FormatId.refine((id) => id !== 'auto', 'auto is reserved').refine((id) => !(AlertFormat.options as readonly string[]).includes(id), 'is a built-in format; built-in formats win, choose another id (e.g. add the model: fortigate-60f)'),
    name: z.string().min(1),
    vendor: z.string().min(1),
    product: z.string().min(1).optional(),
    /** Where the format is documented (manual, URL): officers and reviewers check against it. */
    source: z.string().min(1).optional(),
    description: z.string().optional(),
  }),
  /** All given must hold for `format=auto` to pick this format. Without any, it is never auto-detected. */
  match: z
    .strictObject({
      /** The syslog program (tag or RFC 5424 APP-NAME). */
      program: z.string().min(1).optional(),
      prefix: z.string().min(1).optional(),
      regex: z.string().min(1).max(1024).optional(),
    })
    .optional(),
  /** Lines longer than this are rejected before any regex runs (a bound on backtracking). */
  maxLineLength: z.number().int().min(64).max(65536).default(8192),
  /** Extracted values that mean "no value", for every field (the empty string always does). */
  nulls: z.array(z.string()).max(16).default([]),
  extract: Extract,
  map: FieldMap,
  cases: z.array(Case).max(64).optional(),
  samples: z.array(Sample).max(200).default([]),
});
export type LogFormatDoc = z.infer<typeof LogFormatDoc>;
