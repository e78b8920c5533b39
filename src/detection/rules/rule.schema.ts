import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import { durationText, parseDuration } from '../../contracts/duration';
import { compileCel, type CelVariables } from '../../playbooks/loader/cel';
import { API_VERSION, type KindDefinition, type KindIssue } from '../../playbooks/loader/kinds';

const MAX_REGEX = 256;

/** `(?i)` prefixes are accepted (as in Sigma/RE2) and become the `i` flag. */
export function compileRegex(source: string, caseSensitive = false): RegExp {
  let src = source;
  let flags = caseSensitive ? '' : 'i';
  if (src.startsWith('(?i)')) {
    src = src.slice(4);
    flags = 'i';
  }
  return new RegExp(src, flags);
}

const Strings = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);
const Regex = z
  .string()
  .min(1)
  .max(MAX_REGEX, `regex longer than ${MAX_REGEX} characters`)
  .refine(
    (r) => {
      try {
        compileRegex(r);
        return true;
      } catch {
        return false;
      }
    },
    { message: 'not a valid regular expression' },
  );

/** A text field: a value or list (equals any), or equals / contains / regex tests (any one passing matches). */
export const TextMatcher = z.union([
  Strings,
  z
    .strictObject({
      equals: Strings.optional(),
      contains: Strings.optional(),
      regex: Regex.optional(),
      /** Comparisons ignore case unless this is true. */
      case_sensitive: z.boolean().default(false),
    })
    .refine((m) => m.equals !== undefined || m.contains !== undefined || m.regex !== undefined, { message: 'give equals, contains or regex' }),
]);
export type TextMatcher = z.infer<typeof TextMatcher>;

/** A number: exact value, list of values, or bounds. */
export const NumberMatcher = z.union([
  z.number(),
  z.array(z.number()).min(1),
  z
    .strictObject({ gte: z.number().optional(), gt: z.number().optional(), lte: z.number().optional(), lt: z.number().optional() })
    .refine((m) => Object.keys(m).length > 0, { message: 'give gte, gt, lte or lt' }),
]);
export type NumberMatcher = z.infer<typeof NumberMatcher>;

const PortRange = z.union([
  z.number().int().min(0).max(65535),
  z
    .string()
    .regex(/^\d{1,5}-\d{1,5}$/, 'a port or a range like 6000-6100')
    .refine((r) => {
      const [a, b] = r.split('-').map(Number);
      return a <= b && b <= 65535;
    }, 'range must be low-high within 0-65535'),
]);
export const PortMatcher = z.union([PortRange, z.array(PortRange).min(1)]);
export type PortMatcher = z.infer<typeof PortMatcher>;

const Cidr = z.string().refine(
  (c) => {
    try {
      ipaddr.parseCIDR(c.includes('/') ? c : `${c}/${c.includes(':') ? 128 : 32}`);
      return true;
    } catch {
      return false;
    }
  },
  { message: 'not a CIDR (e.g. 203.0.113.0/24, 2001:db8::/32) or address' },
);
export const IpMatcher = z.strictObject({ cidr: z.array(Cidr).min(1) });
export type IpMatcher = z.infer<typeof IpMatcher>;

const Action = z.enum(['allowed', 'blocked', 'unknown']);

export interface Match {
  'rule.id'?: TextMatcher;
  'rule.name'?: TextMatcher;
  'rule.category'?: TextMatcher;
  'observer.vendor'?: TextMatcher;
  'observer.product'?: TextMatcher;
  'observer.name'?: TextMatcher;
  format?: TextMatcher;
  transport?: TextMatcher;
  severity?: NumberMatcher;
  action?: z.infer<typeof Action> | Array<z.infer<typeof Action>>;
  'source.port'?: PortMatcher;
  'destination.port'?: PortMatcher;
  'source.ip'?: IpMatcher;
  'destination.ip'?: IpMatcher;
  'threat.country'?: TextMatcher;
  'threat.asn'?: NumberMatcher;
  cel?: string;
  any?: Match[];
  not?: Match;
}

/** Every condition given must hold (AND); `any` needs one of its matches, `not` none. */
export const Match: z.ZodType<Match> = z.lazy(() =>
  z
    .strictObject({
      'rule.id': TextMatcher.optional(),
      'rule.name': TextMatcher.optional(),
      'rule.category': TextMatcher.optional(),
      'observer.vendor': TextMatcher.optional(),
      'observer.product': TextMatcher.optional(),
      'observer.name': TextMatcher.optional(),
      format: TextMatcher.optional(),
      transport: TextMatcher.optional(),
      severity: NumberMatcher.optional(),
      action: z.union([Action, z.array(Action).min(1)]).optional(),
      'source.port': PortMatcher.optional(),
      'destination.port': PortMatcher.optional(),
      'source.ip': IpMatcher.optional(),
      'destination.ip': IpMatcher.optional(),
      'threat.country': TextMatcher.optional(),
      'threat.asn': NumberMatcher.optional(),
      cel: z.string().min(1).max(4096).optional(),
      any: z.array(Match).min(1).optional(),
      not: Match.optional(),
    })
    .refine((m) => Object.keys(m).length > 0, { message: 'empty match: give at least one condition' }),
);

const Duration = durationText('a duration like 30s, 5m, 6h or 1d');
export const VALUE_FIELDS = ['destination.ip', 'destination.port', 'rule.id', 'jurisdiction'] as const;
export type ValueField = (typeof VALUE_FIELDS)[number];

/** Correlation per source IP over a sliding window: exactly one of event_count or value_count. */
export const Correlate = z
  .strictObject({
    window: Duration.optional(),
    event_count: z.number().int().min(2).max(100_000).optional(),
    value_count: z.strictObject({ field: z.enum(VALUE_FIELDS), min: z.number().int().min(2).max(100_000) }).optional(),
  })
  .superRefine((c, ctx) => {
    if ((c.event_count === undefined) === (c.value_count === undefined))
      ctx.addIssue({ code: 'custom', path: [], message: 'give exactly one of event_count or value_count' });
    if (c.window && (parseDuration(c.window) ?? 0) > 7 * 86_400_000) ctx.addIssue({ code: 'custom', path: ['window'], message: 'windows are at most 7d' });
  });
export type Correlate = z.infer<typeof Correlate>;

export const DetectionRule = z.strictObject({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('DetectionRule'),
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lower-case letters, digits and dashes (at most 63)'),
  name: z.string().min(1).max(200),
  description: z.string().max(4000).optional(),
  enabled: z.boolean().default(true),
  /** Only alerts from these jurisdictions count (default: all). */
  jurisdictions: z.array(z.string()).min(1).optional(),
  match: Match,
  correlate: Correlate.optional(),
  /** Points the rule adds to the IP's score when it fires (0–100). */
  points: z.number().min(0).max(100),
  /** Flag the IP as soon as the rule fires, whatever its score. */
  flag: z.boolean().default(false),
  tags: z.array(z.string()).optional(),
});
export type DetectionRule = z.infer<typeof DetectionRule>;

/** What a rule's CEL can read: the normalized alert and what enrichment knows of its source. Null text is "", a missing port 0. */
export const DETECTION_CEL_VARIABLES: CelVariables = {
  alert: {
    object: 'alert',
    fields: {
      id: 'string',
      timestamp: 'string',
      jurisdiction: 'string',
      format: 'string',
      transport: 'string',
      observer: { object: 'alert.observer', fields: { vendor: 'string', product: 'string', name: 'string' } },
      source: { object: 'alert.source', fields: { ip: 'string', port: 'int' } },
      destination: { object: 'alert.destination', fields: { ip: 'string', port: 'int' } },
      rule: { object: 'alert.rule', fields: { id: 'string', name: 'string', category: 'string' } },
      action: { object: 'alert.action', fields: { value: 'string', raw: 'string' } },
      severity: { object: 'alert.severity', fields: { id: 'int', raw: 'string' } },
    },
  },
  threat: { object: 'threat', fields: { ip: 'string', country: 'string', asn: 'int', as_org: 'string' } },
};

/** CEL expressions inside a match (nested any/not included), with their paths. */
export function celPaths(m: Match, base: Array<string | number> = ['match']): Array<{ path: Array<string | number>; source: string }> {
  const out: Array<{ path: Array<string | number>; source: string }> = [];
  if (m.cel) out.push({ path: [...base, 'cel'], source: m.cel });
  m.any?.forEach((sub, i) => out.push(...celPaths(sub, [...base, 'any', i])));
  if (m.not) out.push(...celPaths(m.not, [...base, 'not']));
  return out;
}

export const DetectionRuleKind: KindDefinition<typeof DetectionRule> = {
  kind: 'DetectionRule',
  schema: DetectionRule,
  idOf: (r) => r.id,
  check(rule): KindIssue[] {
    const issues: KindIssue[] = [];
    for (const { path, source } of celPaths(rule.match)) {
      const c = compileCel(source, DETECTION_CEL_VARIABLES);
      if (!c.ok) issues.push({ path, message: `CEL: ${c.message}`, offset: c.offset, hint: 'variables: alert.source.ip, alert.rule.category, alert.severity.id, threat.country, ...' });
    }
    return issues;
  },
  hints: {
    points: 'points: 0-100, what the rule adds to the score when it fires',
    'correlate.window': 'e.g. window: 5m',
    'value_count.field': `one of ${VALUE_FIELDS.join(', ')}`,
  },
};
