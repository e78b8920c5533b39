import { z } from 'zod';
import { DETECTION_CEL_VARIABLES } from '../../detection/rules/rule.schema';
import type { ThreatFlaggedPayload } from '../../contracts/jobs';
import type { NormalizedAlert } from '../../contracts/alert';
import type { CelDecl, CelVariables } from '../loader/cel';
import type { SharedIndicatorPayload } from '../../contracts/jobs';
import type { TriggerType } from '../triggers';

/**
 * What a playbook's CEL sees, per trigger. Each trigger is turned into a plain "view" (the same
 * shape the `tests:` section writes), and views into CEL bindings (whole numbers as CEL ints).
 */

const ThreatFields = {
  ip: 'string',
  score: 'double',
  confidence: 'double',
  generation: 'int',
  reason: 'string',
  threshold: 'double',
  rules: { list: 'string' },
  jurisdictions: { list: 'string' },
  jurisdiction: 'string',
  country: 'string',
  asn: 'int',
  as_org: 'string',
  alert_count: 'int',
  first_seen: 'string',
  last_seen: 'string',
  kind: 'string',
  addresses: 'int',
} satisfies Record<string, CelDecl>;

const IndicatorFields = {
  share_id: 'string',
  value: 'string',
  ip: 'string',
  from: 'string',
  to: 'string',
  origin: 'string',
  tlp: 'string',
  score: 'double',
  confidence: 'double',
  ttl: 'string',
  reason: 'string',
  chain: { list: 'string' },
  rules: { list: 'string' },
  jurisdictions: { list: 'string' },
  alert_count: 'int',
} satisfies Record<string, CelDecl>;

const PlaybookFields = { id: 'string', owner: 'string', mode: 'string' } satisfies Record<string, CelDecl>;

const INT_FIELDS: Record<string, Set<string>> = {
  threat: new Set(['generation', 'asn', 'alert_count', 'addresses']),
  indicator: new Set(['alert_count']),
};

/** Declared CEL variables for a trigger. */
export function celVariablesFor(on: TriggerType): CelVariables {
  const playbook: CelDecl = { object: 'playbook', fields: PlaybookFields };
  switch (on) {
    case 'threat.flagged':
    case 'manual':
      return { threat: { object: 'threat', fields: ThreatFields }, playbook };
    case 'shared.indicator':
      return { indicator: { object: 'indicator', fields: IndicatorFields }, playbook };
    case 'alert':
      return { alert: DETECTION_CEL_VARIABLES.alert, threat: DETECTION_CEL_VARIABLES.threat, playbook };
  }
}

export const VARIABLE_HINT: Record<TriggerType, string> = {
  'threat.flagged': 'variables: threat.ip, threat.score, threat.confidence, threat.jurisdictions, threat.country, threat.rules, threat.generation, playbook.owner',
  manual: 'variables: threat.ip, threat.score, threat.confidence, threat.country, threat.reason, playbook.owner',
  'shared.indicator': 'variables: indicator.value, indicator.from, indicator.score, indicator.confidence, indicator.tlp, indicator.chain, playbook.owner',
  alert: 'variables: alert.source.ip, alert.rule.category, alert.severity.id, alert.jurisdiction, threat.country, playbook.owner',
};

// ---- views: what a trigger looks like to a playbook (and what tests write) -----------------

export const ThreatView = z.strictObject({
  /** An address, or for kind `prefix` an IPv6 network CIDR (what a block step blocks by default). */
  ip: z.string().min(1),
  /** `prefix`: detection scored an IPv6 network as one (detection.ipv6Prefix). */
  kind: z.enum(['ip', 'prefix']).default('ip'),
  /** Distinct addresses of a prefix seen (1 for an address). */
  addresses: z.number().int().min(1).default(1),
  score: z.number().min(0).max(100).default(90),
  /** Share of the score backed by detection rules rather than anomaly factors (0–100). */
  confidence: z.number().min(0).max(100).default(90),
  generation: z.number().int().min(1).default(1),
  reason: z.string().default('threshold'),
  threshold: z.number().default(60),
  rules: z.array(z.string()).default([]),
  jurisdictions: z.array(z.string()).default([]),
  /** The jurisdiction of the alert that decided the flag. */
  jurisdiction: z.string().default(''),
  /** ISO 3166-1 alpha-2, '' when unknown. */
  country: z.string().default(''),
  asn: z.number().int().default(0),
  as_org: z.string().default(''),
  alert_count: z.number().int().min(0).default(1),
  first_seen: z.string().default(''),
  last_seen: z.string().default(''),
});
export type ThreatView = z.infer<typeof ThreatView>;

export const IndicatorView = z.strictObject({
  share_id: z.string().default('test-share'),
  value: z.string().min(1),
  ip: z.string().default(''),
  from: z.string().min(1),
  to: z.string().min(1),
  origin: z.string().default(''),
  tlp: z.string().default('AMBER'),
  score: z.number().min(0).max(100).default(80),
  confidence: z.number().min(0).max(100).default(80),
  ttl: z.string().default('24h'),
  reason: z.string().default(''),
  chain: z.array(z.string()).default([]),
  rules: z.array(z.string()).default([]),
  jurisdictions: z.array(z.string()).default([]),
  alert_count: z.number().int().min(0).default(0),
});
export type IndicatorView = z.infer<typeof IndicatorView>;

const Endpoint = z.strictObject({ ip: z.string().default(''), port: z.number().int().default(0) });
export const AlertView = z.strictObject({
  alert: z
    .strictObject({
      id: z.string().default('test-alert'),
      timestamp: z.string().default(''),
      jurisdiction: z.string().default(''),
      format: z.string().default(''),
      transport: z.string().default(''),
      observer: z.strictObject({ vendor: z.string().default(''), product: z.string().default(''), name: z.string().default('') }).prefault({}),
      source: z.strictObject({ ip: z.string().min(1), port: z.number().int().default(0) }),
      destination: Endpoint.prefault({}),
      rule: z.strictObject({ id: z.string().default(''), name: z.string().default(''), category: z.string().default('') }).prefault({}),
      action: z.strictObject({ value: z.string().default('unknown'), raw: z.string().default('') }).prefault({}),
      severity: z.strictObject({ id: z.number().int().default(0), raw: z.string().default('') }).prefault({}),
    }),
  threat: z.strictObject({ ip: z.string().default(''), country: z.string().default(''), asn: z.number().int().default(0), as_org: z.string().default('') }).prefault({}),
});
export type AlertView = z.infer<typeof AlertView>;

/** The trigger part of a test: `threat:` / `indicator:` / `alert:`+`threat:`, by the playbook's trigger. */
export function testTriggerSchema(on: TriggerType): z.ZodType {
  switch (on) {
    case 'threat.flagged':
    case 'manual':
      return z.strictObject({ threat: ThreatView });
    case 'shared.indicator':
      return z.strictObject({ indicator: IndicatorView });
    case 'alert':
      return AlertView;
  }
}

/** A trigger, normalized: its type, the variables, the IP it is about, and its idempotency key. */
export interface TriggerInstance {
  type: TriggerType;
  /** Same key → same run (per playbook). */
  key: string;
  /** The IP or CIDR the trigger is about (default block/share target). */
  ip: string;
  /** Jurisdictions the trigger concerns (who reported it / who received it): playbooks see it only if their owner's subtree includes one. */
  jurisdictions: string[];
  view: Record<string, unknown>;
  /** One line for lists: "203.0.113.5 flagged (score 87)". */
  summary: string;
}

/** Confidence of a flag: the share of positive points that detection rules (not anomaly factors) gave. */
export function flagConfidence(contributions: ThreatFlaggedPayload['contributions']): number {
  let rules = 0;
  let all = 0;
  for (const c of contributions) {
    if (c.points <= 0) continue;
    all += c.points;
    if (c.factor.startsWith('rule:')) rules += c.points;
  }
  return all > 0 ? Math.round((100 * rules) / all) : 0;
}

export function threatFlaggedTrigger(p: ThreatFlaggedPayload): TriggerInstance {
  const threat: ThreatView = {
    ip: p.ip,
    kind: p.kind ?? 'ip',
    addresses: p.addresses ?? 1,
    score: p.score,
    confidence: flagConfidence(p.contributions),
    generation: p.generation,
    reason: p.reason,
    threshold: p.threshold,
    rules: p.rules,
    jurisdictions: p.jurisdictions,
    jurisdiction: p.decidingAlert.jurisdiction,
    country: p.country ?? '',
    asn: p.asn?.number ?? 0,
    as_org: p.asn?.org ?? '',
    alert_count: p.alertCount,
    first_seen: p.firstSeen,
    last_seen: p.lastSeen,
  };
  return { type: 'threat.flagged', key: `flag:${p.ip}:${p.generation}`, ip: p.ip, jurisdictions: p.jurisdictions, view: { threat }, summary: `${p.ip} flagged (${p.kind === 'prefix' ? `${p.addresses ?? '?'} addresses, ` : ''}score ${Math.round(p.score)}, generation ${p.generation})` };
}

export function sharedIndicatorTrigger(p: SharedIndicatorPayload): TriggerInstance {
  const indicator: IndicatorView = {
    share_id: p.shareId,
    value: p.value,
    ip: p.value,
    from: p.from,
    to: p.to,
    origin: p.chain[0] ?? p.from,
    tlp: p.tlp,
    score: p.score,
    confidence: p.confidence,
    ttl: p.ttl,
    reason: p.reason,
    chain: p.chain,
    rules: Object.keys(p.evidence.rules),
    jurisdictions: p.evidence.jurisdictions,
    alert_count: p.evidence.alerts,
  };
  return { type: 'shared.indicator', key: `share:${p.shareId}:${p.to}`, ip: p.value, jurisdictions: [p.to], view: { indicator }, summary: `${p.value} shared by ${p.from} (score ${Math.round(p.score)}, ${p.tlp})` };
}

/**
 * The share a `shared.indicator` trigger is about, as decision provenance: a run's block steps
 * record it so that revoking the share ends what the run blocked (null for other triggers and for
 * test triggers without a real share).
 */
export function shareProvenance(trigger: { type: TriggerType; view: Record<string, unknown> }): { share: string; chain: string[] } | null {
  if (trigger.type !== 'shared.indicator') return null;
  const ind = trigger.view.indicator as Partial<IndicatorView> | undefined;
  if (!ind?.share_id) return null;
  return { share: ind.share_id, chain: (ind.chain ?? []).slice(0, 32) };
}

export function manualTrigger(input: { ip: string; reason: string; score?: number; confidence?: number; country?: string; key: string; jurisdiction: string }): TriggerInstance {
  const threat = ThreatView.parse({ ip: input.ip, score: input.score ?? 100, confidence: input.confidence ?? input.score ?? 100, reason: input.reason, country: input.country ?? '', jurisdiction: input.jurisdiction, jurisdictions: [input.jurisdiction], generation: 1 });
  return { type: 'manual', key: `manual:${input.key}`, ip: input.ip, jurisdictions: [input.jurisdiction], view: { threat }, summary: `${input.ip} run by hand: ${input.reason}` };
}

export function alertTrigger(a: NormalizedAlert, geo: { country: string | null; asn: number | null; org: string | null } | null): TriggerInstance {
  const view = AlertView.parse({
    alert: {
      id: a.id,
      timestamp: a.timestamp,
      jurisdiction: a.jurisdiction,
      format: a.format,
      transport: a.transport ?? '',
      observer: { vendor: a.observer.vendor, product: a.observer.product, name: a.observer.name ?? '' },
      source: { ip: a.source.ip, port: a.source.port ?? 0 },
      destination: { ip: a.destination.ip ?? '', port: a.destination.port ?? 0 },
      rule: { id: a.rule.id ?? '', name: a.rule.name ?? '', category: a.rule.category ?? '' },
      action: { value: a.action.value, raw: a.action.raw ?? '' },
      severity: { id: a.severity.id, raw: a.severity.raw ?? '' },
    },
    threat: { ip: a.source.ip, country: geo?.country ?? '', asn: geo?.asn ?? 0, as_org: geo?.org ?? '' },
  });
  return { type: 'alert', key: `alert:${a.id}`, ip: a.source.ip, jurisdictions: [a.jurisdiction], view, summary: `alert ${a.rule.name ?? a.rule.id ?? a.id} from ${a.source.ip}` };
}

/** A test's trigger (already validated against testTriggerSchema) as a trigger instance. */
export function testTrigger(on: TriggerType, view: Record<string, unknown>, name: string): TriggerInstance {
  if (on === 'shared.indicator') {
    const ind = view.indicator as IndicatorView;
    const indicator = { ...ind, ip: ind.ip || ind.value, origin: ind.origin || ind.chain[0] || ind.from };
    return { type: on, key: `test:${name}`, ip: indicator.value, jurisdictions: [indicator.to], view: { indicator }, summary: `test ${name}` };
  }
  if (on === 'alert') {
    const v = view as AlertView;
    const threat = { ...v.threat, ip: v.threat.ip || v.alert.source.ip };
    return { type: on, key: `test:${name}`, ip: v.alert.source.ip, jurisdictions: v.alert.jurisdiction ? [v.alert.jurisdiction] : [], view: { alert: v.alert, threat }, summary: `test ${name}` };
  }
  const t = view.threat as ThreatView;
  return { type: on, key: `test:${name}`, ip: t.ip, jurisdictions: t.jurisdictions.length ? t.jurisdictions : t.jurisdiction ? [t.jurisdiction] : [], view: { threat: t }, summary: `test ${name}` };
}

/** CEL bindings from a view: declared int fields become bigint. */
export function bindingsOf(trigger: TriggerInstance, playbook: { id: string; owner: string; mode: string }): Record<string, unknown> {
  const out: Record<string, unknown> = { playbook: { ...playbook } };
  for (const [name, value] of Object.entries(trigger.view)) out[name] = toCel(value, name);
  return out;
}

function toCel(value: unknown, path: string): unknown {
  if (Array.isArray(value)) return value.map((v) => toCel(v, path + '[]'));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, toCel(v, `${path}.${k}`)]));
  if (typeof value === 'number' && isIntField(path)) return BigInt(Math.trunc(value));
  return value;
}

function isIntField(path: string): boolean {
  const dot = path.indexOf('.');
  if (dot < 0) return false;
  const root = path.slice(0, dot);
  const rest = path.slice(dot + 1);
  if (INT_FIELDS[root]?.has(rest)) return true;
  // alert.*: the detection declaration says which are ints (ports, severity id, asn).
  return root === 'alert' ? /(^|\.)(port|id)$/.test(rest) && rest !== 'id' && !rest.startsWith('rule.') : root === 'threat' && rest === 'asn';
}
