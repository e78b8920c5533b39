import type { GeoInfo } from '../rules/matcher';

/** What a rule firing left behind: when it last held, what it counted, and (single-alert rules) what matched. */
export interface RuleRecord {
  at: number;
  value: number;
  name?: string;
}

/**
 * Everything known of one source IP in one scope (the federation `*`, or one jurisdiction), as
 * kept in its small Redis hash. All counts are since `first`, bounded by the state TTL.
 */
export interface IpState {
  first: number;
  last: number;
  n: number;
  /** Alert-rate EWMA: decayed count `rateC` as of `rateT`. */
  rateC: number;
  rateT: number;
  /** Alerts of severity ≥ 4 (High, Critical, Fatal). */
  hi: number;
  allowed: number;
  blocked: number;
  targets: number;
  ports: number;
  signatures: number;
  /** Distinct member addresses: an IPv6 prefix's state only (0 for an address). */
  addresses: number;
  /** Jurisdiction → last time it reported the IP. */
  jurisdictions: Record<string, number>;
  rules: Record<string, RuleRecord>;
  sigs: Record<string, { count: number; name: string | null }>;
  flag: { gen: number; score: number; at: number } | null;
  geo: GeoInfo | null;
  /** Inline distinct sets (8-hex hashes) or '#' once promoted to a HyperLogLog. */
  sets: { dt: string; dp: string; ds: string; da: string };
}

/** Decode the scope hash written by the update script. Returns null for an IP never seen. */
export function parseState(h: Record<string, string>): IpState | null {
  if (!h.f) return null;
  const num = (k: string) => Number(h[k] ?? 0);
  const s: IpState = {
    first: num('f'),
    last: num('l'),
    n: num('n'),
    rateC: num('rc'),
    rateT: num('rt'),
    hi: num('hi'),
    allowed: num('al'),
    blocked: num('bl'),
    targets: num('dtn'),
    ports: num('dpn'),
    signatures: num('dsn'),
    addresses: num('dan'),
    jurisdictions: {},
    rules: {},
    sigs: {},
    flag: h.fg ? { gen: num('fg'), score: num('fs'), at: num('fa') } : null,
    geo: h.cc !== undefined || h.as !== undefined ? { country: h.cc || null, asn: h.as ? Number(h.as) : null, org: h.ao || null } : null,
    sets: { dt: h.dt ?? '', dp: h.dp ?? '', ds: h.ds ?? '', da: h.da ?? '' },
  };
  for (const [k, v] of Object.entries(h)) {
    if (k.startsWith('j:')) s.jurisdictions[k.slice(2)] = Number(v);
    else if (k.startsWith('r:')) {
      const [at, value, ...name] = v.split('|');
      s.rules[k.slice(2)] = { at: Number(at), value: Number(value), ...(name.length ? { name: name.join('|') } : {}) };
    } else if (k.startsWith('s:')) (s.sigs[k.slice(2)] ??= { count: 0, name: null }).count = Number(v);
    else if (k.startsWith('sn:')) (s.sigs[k.slice(3)] ??= { count: 0, name: null }).name = v;
  }
  return s;
}

/** Longest signature name a rule firing keeps: explanations show names whole, within reason. */
export const RULE_NAME_MAX = 200;

/**
 * Encode a rule firing as stored: `at|value[|name]`. The name is kept whole up to RULE_NAME_MAX
 * (an analyst must read which signature fired); a long one turns that IP's hash from a listpack
 * into a hashtable, a cost paid only by IPs a single-alert rule matched.
 */
export function encodeRuleRecord(r: RuleRecord): string {
  return `${Math.round(r.at)}|${r.value}${r.name ? `|${r.name.slice(0, RULE_NAME_MAX)}` : ''}`;
}

/** Bring an EWMA decayed count to time `t`. */
export function rateAt(c: number, since: number, t: number, tauMs: number): number {
  return t >= since ? c * Math.exp(-(t - since) / tauMs) : c;
}

/**
 * One view over several jurisdictions' states (a province key that sees some, not all, of the
 * jurisdictions that reported an IP). Counts add up, rules keep their latest firing, distinct
 * counts add inline sets as a union; `promoted` gives the union count of HLL-backed features.
 */
export function mergeStates(states: IpState[], tauMs: number, promoted: Partial<Record<'dt' | 'dp' | 'ds' | 'da', number>> = {}): IpState | null {
  if (!states.length) return null;
  if (states.length === 1) return states[0];
  const last = Math.max(...states.map((s) => s.last));
  const rateT = Math.max(...states.map((s) => s.rateT));
  const out: IpState = {
    first: Math.min(...states.map((s) => s.first)),
    last,
    n: 0,
    rateC: 0,
    rateT,
    hi: 0,
    allowed: 0,
    blocked: 0,
    targets: 0,
    ports: 0,
    signatures: 0,
    addresses: 0,
    jurisdictions: {},
    rules: {},
    sigs: {},
    flag: null,
    geo: states.find((s) => s.geo)?.geo ?? null,
    sets: { dt: '', dp: '', ds: '', da: '' },
  };
  for (const s of states) {
    out.n += s.n;
    out.hi += s.hi;
    out.allowed += s.allowed;
    out.blocked += s.blocked;
    out.rateC += rateAt(s.rateC, s.rateT, rateT, tauMs);
    for (const [j, t] of Object.entries(s.jurisdictions)) out.jurisdictions[j] = Math.max(out.jurisdictions[j] ?? 0, t);
    for (const [id, r] of Object.entries(s.rules)) {
      const had = out.rules[id];
      if (!had || r.at > had.at) out.rules[id] = { ...r, value: Math.max(r.value, had?.value ?? 0) };
    }
    for (const [k, v] of Object.entries(s.sigs)) {
      const had = (out.sigs[k] ??= { count: 0, name: v.name });
      had.count += v.count;
    }
  }
  const union = (key: 'dt' | 'dp' | 'ds' | 'da', field: 'targets' | 'ports' | 'signatures' | 'addresses') => {
    const inline = new Set<string>();
    for (const s of states) if (s.sets[key] !== '#') for (let i = 0; i < s.sets[key].length; i += 8) inline.add(s.sets[key].slice(i, i + 8));
    out[field] = inline.size + (promoted[key] ?? 0);
  };
  union('dt', 'targets');
  union('dp', 'ports');
  union('ds', 'signatures');
  union('da', 'addresses');
  return out;
}
