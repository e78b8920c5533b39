import type { DetectionConfig } from '../../infra/config/config.schema';
import { formatDuration } from '../../contracts/duration';
import type { CompiledRule } from '../rules/matcher';
import { rateAt, type IpState } from './state';

/** One reason for a score: which factor, how many points (at `scoredAt`), and why, in words. */
export interface Contribution {
  factor: string;
  points: number;
  detail: string;
}

export interface Scored {
  /** 0–100 (capped). */
  score: number;
  /** Uncapped sum: what the ranking keys on. */
  raw: number;
  scoredAt: number;
  contributions: Contribution[];
}

export interface ScoreInput {
  state: IpState;
  rules: ReadonlyMap<string, CompiledRule>;
  config: DetectionConfig;
  /** The scope's learned baseline: mean of ln(per-IP decayed alert count), and how many samples taught it. */
  baseline: { logRate: number; n: number } | null;
  /** Blocks the block-list recorded for this IP, and when the last one was. */
  recurrence: { count: number; lastAt: number } | null;
  /** Label for the rate factor's baseline ("jurisdiction" or "federation"). */
  baselineName?: string;
  at: number;
  /** The scored IP or IPv6 prefix, named in a prefix's explanation. */
  subject?: string;
}

export const halfLifeMs = (c: DetectionConfig) => c.halfLifeHours * 3_600_000;

/** 2^(−Δ/H): what a point is worth Δ ms later. Never grows for Δ < 0. */
export function decay(deltaMs: number, halfLife: number): number {
  return deltaMs <= 0 ? 1 : Math.pow(2, -deltaMs / halfLife);
}

/** 0 up to `lo`, 1 from `hi`, logarithmic between: counts and ratios grow by orders of magnitude. */
export function logRamp(x: number, lo: number, hi: number): number {
  if (x <= lo) return 0;
  if (x >= hi) return 1;
  return Math.log(x / lo) / Math.log(hi / lo);
}

const round1 = (x: number) => Math.round(x * 10) / 10;
const plus = (x: number) => `+${Math.round(x)}`;

/**
 * score = rule points + anomaly points, capped to 0–100. Rule points decay from the time the rule
 * last held; anomaly points are computed from the features as of the IP's last alert and decay
 * from then. Every term is a multiple of 2^(−t/H), so the whole score decays as one exponential.
 */
export function scoreState(input: ScoreInput): Scored {
  const { state: s, config: c, at } = input;
  const H = halfLifeMs(c);
  const out: Contribution[] = [];
  const add = (factor: string, points: number, detail: (p: number) => string) => {
    if (points >= 0.05 || points <= -0.05) out.push({ factor, points: round1(points), detail: detail(points) });
  };

  for (const [id, rec] of Object.entries(s.rules)) {
    const rule = input.rules.get(id);
    if (!rule) continue; // removed or disabled since it fired
    const p = rule.points * decay(at - rec.at, H);
    const corr = rule.correlate;
    if (!corr) add(`rule:${id}`, p, (x) => `matched ${rec.name ? JSON.stringify(rec.name) + ' ' : ''}×${rec.value} (rule ${id}, ${plus(x)})`);
    else if (corr.kind === 'event_count') add(`rule:${id}`, p, (x) => `event_count = ${rec.value} in ${formatDuration(corr.windowMs)} (rule ${id}, ${plus(x)})`);
    else add(`rule:${id}`, p, (x) => `value_count ${corr.field} = ${rec.value} in ${formatDuration(corr.windowMs)} (rule ${id}, ${plus(x)})`);
  }

  const w = c.weights;
  const r = c.ranges;
  const k = decay(at - s.last, H); // anomaly points were earned at the last alert
  const confidence = Math.min(1, s.n / r.minAlerts);

  if (input.baseline && input.baseline.n >= c.baselineWarmup && w.rate > 0) {
    const rate = rateAt(s.rateC, s.rateT, s.last, c.rateTauMinutes * 60_000);
    const ratio = rate / Math.exp(input.baseline.logRate);
    add('rate', w.rate * logRamp(ratio, r.rateRatio[0], r.rateRatio[1]) * k, (x) => `rate ${ratio >= 10 ? Math.round(ratio) : ratio.toFixed(1)}× ${input.baselineName ?? 'jurisdiction'} baseline (${plus(x)})`);
  }
  add('targets', w.targets * logRamp(s.targets, r.targets[0], r.targets[1]) * k, (x) => `${s.targets} distinct destination hosts (${plus(x)})`);
  add('ports', w.ports * logRamp(s.ports, r.ports[0], r.ports[1]) * k, (x) => `${s.ports} distinct destination ports (${plus(x)})`);
  add('signatures', w.signatures * logRamp(s.signatures, r.signatures[0], r.signatures[1]) * k, (x) => `${s.signatures} distinct signatures (${plus(x)})`);
  if (s.n > 0) {
    add('severity', w.severity * (s.hi / s.n) * confidence * k, (x) => `${s.hi} of ${s.n} alerts high or critical (${plus(x)})`);
    add('actions', w.actions * (s.allowed / s.n) * confidence * k, (x) => `${s.allowed} of ${s.n} alerts allowed through by the sensor (${plus(x)})`);
  }
  const nj = Object.keys(s.jurisdictions).length;
  if (nj >= r.jurisdictions[0]) add('jurisdictions', w.jurisdictions * Math.min(1, (nj - 1) / Math.max(1, r.jurisdictions[1] - 1)) * k, (x) => `seen by ${nj} jurisdictions (${plus(x)})`);
  const rec = input.recurrence;
  if (rec && rec.count >= r.recurrence[0] && s.last > rec.lastAt)
    add('recurrence', w.recurrence * Math.min(1, rec.count / r.recurrence[1]) * k, (x) => `back after ${rec.count} earlier block${rec.count === 1 ? '' : 's'} (${plus(x)})`);
  const geo = s.geo;
  if (geo?.country) {
    if (w.foreign > 0 && !c.homeCountries.includes(geo.country)) add('foreign', w.foreign * k, (x) => `source in ${geo.country}, outside ${c.homeCountries.join('/')} (${plus(x)})`);
    const cp = c.countryPoints[geo.country];
    if (cp) add('country', cp * k, (x) => `country ${geo.country} (${x >= 0 ? plus(x) : Math.round(x)})`);
  }
  if (geo?.asn != null) {
    const ap = c.asnPoints[String(geo.asn)];
    if (ap) add('asn', ap * k, (x) => `AS${geo.asn}${geo.org ? ' ' + geo.org : ''} (${x >= 0 ? plus(x) : Math.round(x)})`);
  }

  out.sort((a, b) => b.points - a.points);
  // A prefix's score is its member addresses' alerts together: say so first (no points of its own).
  if (s.addresses > 0) out.unshift({ factor: 'prefix', points: 0, detail: `${s.addresses} address${s.addresses === 1 ? '' : 'es'} of ${input.subject ?? 'this prefix'}` });
  const raw = Math.max(0, out.reduce((sum, x) => sum + x.points, 0));
  return { score: round1(Math.min(100, raw)), raw, scoredAt: at, contributions: out };
}

/** The score `scored` has decayed to at `now`. */
export function decayedScore(scored: { raw: number; scoredAt: number }, now: number, config: DetectionConfig): number {
  return round1(Math.min(100, scored.raw * decay(now - scored.scoredAt, halfLifeMs(config))));
}

/**
 * Rank key for a sorted set: log2(raw) + t/H. Ordering by it is ordering by the decayed score at
 * any common time, so one ZSET ranks every IP without rewriting scores as time passes.
 */
export function rankKey(raw: number, at: number, config: DetectionConfig): number {
  return Math.log2(Math.max(raw, 1e-9)) + at / halfLifeMs(config);
}

/** The rank key a decayed score of `min` has at `now` (for min_score queries). */
export function rankFloor(min: number, now: number, config: DetectionConfig): number {
  return Math.log2(Math.max(min, 1e-9)) + now / halfLifeMs(config);
}

export interface FlagDecision {
  flag: boolean;
  reason: 'threshold' | 'rule' | 'rise' | null;
}

/**
 * Flag when the score reaches the threshold or a `flag: true` rule fired — but an IP flagged before
 * only when its score has risen `step` above what its last flag's score has decayed to (no storms;
 * an IP that comes back after the old flag faded is flagged anew).
 */
export function decideFlag(input: { score: number; threshold: number; ruleFlag: boolean; previous: { score: number; at: number } | null; step: number; at: number; halfLife: number; allowlisted: boolean }): FlagDecision {
  if (input.allowlisted) return { flag: false, reason: null };
  const crossing = input.score >= input.threshold || input.ruleFlag;
  if (!crossing) return { flag: false, reason: null };
  if (!input.previous) return { flag: true, reason: input.score >= input.threshold ? 'threshold' : 'rule' };
  const before = input.previous.score * decay(input.at - input.previous.at, input.halfLife);
  if (input.score >= before + input.step) return { flag: true, reason: before < 1 ? (input.score >= input.threshold ? 'threshold' : 'rule') : 'rise' };
  return { flag: false, reason: null };
}
