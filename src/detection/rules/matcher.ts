import ipaddr from 'ipaddr.js';
import { compileCel } from '../../playbooks/loader/cel';
import type { NormalizedAlert } from '../../contracts/alert';
import { configDuration } from '../../contracts/duration';
import { DETECTION_CEL_VARIABLES, compileRegex, type DetectionRule, type IpMatcher, type Match, type NumberMatcher, type PortMatcher, type TextMatcher, type ValueField } from './rule.schema';

/** What enrichment knows of a source IP. */
export interface GeoInfo {
  country: string | null;
  asn: number | null;
  org: string | null;
}

/** One alert as rules see it; CEL bindings are built once per alert, only if some rule needs them. */
export class AlertContext {
  private bindings?: Record<string, unknown>;
  constructor(readonly alert: NormalizedAlert, readonly geo: GeoInfo | null) {}

  cel(): Record<string, unknown> {
    if (this.bindings) return this.bindings;
    const a = this.alert;
    const s = (v: string | null | undefined) => v ?? '';
    const n = (v: number | null | undefined) => BigInt(v ?? 0);
    return (this.bindings = {
      alert: {
        id: a.id,
        timestamp: a.timestamp,
        jurisdiction: a.jurisdiction,
        format: a.format,
        transport: s(a.transport),
        observer: { vendor: a.observer.vendor, product: a.observer.product, name: s(a.observer.name) },
        source: { ip: a.source.ip, port: n(a.source.port) },
        destination: { ip: s(a.destination.ip), port: n(a.destination.port) },
        rule: { id: s(a.rule.id), name: s(a.rule.name), category: s(a.rule.category) },
        action: { value: a.action.value, raw: s(a.action.raw) },
        severity: { id: BigInt(a.severity.id), raw: s(a.severity.raw) },
      },
      threat: { ip: a.source.ip, country: s(this.geo?.country), asn: n(this.geo?.asn), as_org: s(this.geo?.org) },
    });
  }
}

type Test = (ctx: AlertContext) => boolean;

export interface CompiledRule {
  rule: DetectionRule;
  id: string;
  points: number;
  flag: boolean;
  /** null: all jurisdictions. */
  jurisdictions: Set<string> | null;
  test: Test;
  correlate: { kind: 'event_count'; windowMs: number; min: number } | { kind: 'value_count'; windowMs: number; min: number; field: ValueField } | null;
}

export function compileRule(rule: DetectionRule, defaultWindowMs: number): CompiledRule {
  const c = rule.correlate;
  const windowMs = c?.window ? configDuration(c.window) : defaultWindowMs;
  return {
    rule,
    id: rule.id,
    points: rule.points,
    flag: rule.flag,
    jurisdictions: rule.jurisdictions ? new Set(rule.jurisdictions) : null,
    test: compileMatch(rule.match),
    correlate: !c ? null : c.event_count !== undefined ? { kind: 'event_count', windowMs, min: c.event_count } : { kind: 'value_count', windowMs, min: c.value_count!.min, field: c.value_count!.field },
  };
}

/** The value a value_count rule counts, or null when the alert has none (it then does not count). */
export function valueOf(alert: NormalizedAlert, field: ValueField): string | null {
  switch (field) {
    case 'destination.ip':
      return alert.destination.ip;
    case 'destination.port':
      return alert.destination.port == null ? null : String(alert.destination.port);
    case 'rule.id':
      return alert.rule.id ?? alert.rule.name;
    case 'jurisdiction':
      return alert.jurisdiction;
  }
}

const TEXT: Record<string, (c: AlertContext) => string | null> = {
  'rule.id': (c) => c.alert.rule.id,
  'rule.name': (c) => c.alert.rule.name,
  'rule.category': (c) => c.alert.rule.category,
  'observer.vendor': (c) => c.alert.observer.vendor,
  'observer.product': (c) => c.alert.observer.product,
  'observer.name': (c) => c.alert.observer.name,
  format: (c) => c.alert.format,
  transport: (c) => c.alert.transport,
  'threat.country': (c) => c.geo?.country ?? null,
};

export function compileMatch(m: Match): Test {
  const tests: Test[] = [];
  for (const [key, get] of Object.entries(TEXT)) {
    const spec = m[key as keyof Match] as TextMatcher | undefined;
    if (spec === undefined) continue;
    const t = textTest(spec);
    tests.push((c) => t(get(c)));
  }
  if (m.severity !== undefined) {
    const t = numberTest(m.severity);
    tests.push((c) => t(c.alert.severity.id));
  }
  if (m['threat.asn'] !== undefined) {
    const t = numberTest(m['threat.asn']);
    tests.push((c) => c.geo?.asn != null && t(c.geo.asn));
  }
  if (m.action !== undefined) {
    const set = new Set(Array.isArray(m.action) ? m.action : [m.action]);
    tests.push((c) => set.has(c.alert.action.value));
  }
  if (m['source.port'] !== undefined) {
    const t = portTest(m['source.port']);
    tests.push((c) => t(c.alert.source.port));
  }
  if (m['destination.port'] !== undefined) {
    const t = portTest(m['destination.port']);
    tests.push((c) => t(c.alert.destination.port));
  }
  if (m['source.ip'] !== undefined) {
    const t = cidrTest(m['source.ip']);
    tests.push((c) => t(c.alert.source.ip));
  }
  if (m['destination.ip'] !== undefined) {
    const t = cidrTest(m['destination.ip']);
    tests.push((c) => t(c.alert.destination.ip));
  }
  if (m.cel !== undefined) {
    const compiled = compileCel(m.cel, DETECTION_CEL_VARIABLES);
    if (!compiled.ok) throw new Error(`CEL: ${compiled.message}`); // the loader rejected such rules already
    const program = compiled.program;
    tests.push((c) => program.test(c.cel()));
  }
  if (m.any) {
    const subs = m.any.map(compileMatch);
    tests.push((c) => subs.some((s) => s(c)));
  }
  if (m.not) {
    const sub = compileMatch(m.not);
    tests.push((c) => !sub(c));
  }
  return (c) => {
    for (const t of tests) if (!t(c)) return false;
    return true;
  };
}

/** Longest text a rule compares: bounded so a regex never runs over a huge value. */
const MAX_TEXT = 1024;

export function textTest(spec: TextMatcher): (v: string | null) => boolean {
  const obj = typeof spec === 'string' || Array.isArray(spec) ? { equals: spec, case_sensitive: false } : spec;
  const cs = obj.case_sensitive ?? false;
  const norm = (s: string) => (cs ? s : s.toLowerCase());
  const list = (x: string | string[] | undefined) => (x === undefined ? [] : (Array.isArray(x) ? x : [x]).map(norm));
  const equals = new Set(list(obj.equals));
  const contains = list(obj.contains);
  const re = obj.regex ? compileRegex(obj.regex, cs) : null;
  return (v) => {
    if (v == null) return false;
    const text = v.length > MAX_TEXT ? v.slice(0, MAX_TEXT) : v;
    const n = norm(text);
    if (equals.has(n)) return true;
    for (const c of contains) if (n.includes(c)) return true;
    return re ? re.test(text) : false;
  };
}

export function numberTest(spec: NumberMatcher): (v: number) => boolean {
  if (typeof spec === 'number') return (v) => v === spec;
  if (Array.isArray(spec)) {
    const set = new Set(spec);
    return (v) => set.has(v);
  }
  return (v) => (spec.gte === undefined || v >= spec.gte) && (spec.gt === undefined || v > spec.gt) && (spec.lte === undefined || v <= spec.lte) && (spec.lt === undefined || v < spec.lt);
}

export function portTest(spec: PortMatcher): (p: number | null) => boolean {
  const ranges = (Array.isArray(spec) ? spec : [spec]).map((r) => (typeof r === 'number' ? [r, r] : r.split('-').map(Number)));
  return (p) => p != null && ranges.some(([a, b]) => p >= a && p <= b);
}

export function cidrTest(spec: IpMatcher): (ip: string | null) => boolean {
  const nets = spec.cidr.map((c) => ipaddr.parseCIDR(c.includes('/') ? c : `${c}/${c.includes(':') ? 128 : 32}`));
  return (ip) => {
    if (!ip) return false;
    let addr: ipaddr.IPv4 | ipaddr.IPv6;
    try {
      addr = ipaddr.parse(ip);
    } catch {
      return false;
    }
    return nets.some(([net, bits]) => net.kind() === addr.kind() && addr.match(net, bits));
  };
}
