import { DetectionConfig } from '../../infra/config/config.schema';
import { compileRule, type CompiledRule } from '../rules/matcher';
import { DetectionRule } from '../rules/rule.schema';
import { decay, decayedScore, decideFlag, logRamp, rankKey, scoreState } from './scorer';
import { encodeRuleRecord, mergeStates, parseState, RULE_NAME_MAX, type IpState } from './state';

const H = 3_600_000;
const T0 = Date.parse('2026-01-01T00:00:00Z');
const config = DetectionConfig.parse({ halfLifeHours: 6, baselineWarmup: 10 });
const rule = (id: string, extra: object): CompiledRule =>
  compileRule(DetectionRule.parse({ apiVersion: 'gwanje/v1', kind: 'DetectionRule', id, name: id, match: { severity: { gte: 0 } }, points: 35, ...extra }), 300_000);
const rules = new Map([
  ['port-scan', rule('port-scan', { correlate: { value_count: { field: 'destination.port', min: 20 } } })],
  ['brute', rule('brute', { correlate: { event_count: 10, window: '5m' }, points: 40 })],
  ['crit', rule('crit', { points: 30 })],
]);

function state(over: Partial<IpState> = {}): IpState {
  return { first: T0, last: T0, n: 1, rateC: 1, rateT: T0, hi: 0, allowed: 0, blocked: 1, targets: 1, ports: 1, signatures: 1, addresses: 0, jurisdictions: { 'seoul-jongno': T0 }, rules: {}, sigs: {}, flag: null, geo: { country: 'KR', asn: 4766, org: 'Korea Telecom' }, sets: { dt: '', dp: '', ds: '', da: '' }, ...over };
}
const score = (s: IpState, extra: Partial<Parameters<typeof scoreState>[0]> = {}) => scoreState({ state: s, rules, config, baseline: null, recurrence: null, at: s.last, ...extra });
const factor = (s: IpState, name: string, extra = {}) => score(s, extra).contributions.find((c) => c.factor === name);

describe('scoring', () => {
  it('a quiet domestic IP scores nothing', () => {
    expect(score(state())).toMatchObject({ score: 0, contributions: [] });
  });

  it('rule points with readable details, per rule type', () => {
    const s = state({ rules: { 'port-scan': { at: T0, value: 214 }, brute: { at: T0, value: 37 }, crit: { at: T0, value: 3, name: 'ET EXPLOIT log4j' } } });
    const details = score(s).contributions.map((c) => c.detail);
    expect(details).toEqual(
      expect.arrayContaining(['value_count destination.port = 214 in 5m (rule port-scan, +35)', 'event_count = 37 in 5m (rule brute, +40)', 'matched "ET EXPLOIT log4j" ×3 (rule crit, +30)']),
    );
    expect(score(s).score).toBe(100); // 105 capped
    expect(score(s).raw).toBe(105);
  });

  it('a stored rule firing keeps the whole signature name (bounded), and the explanation shows it', () => {
    const name = 'ET EXPLOIT Generic Path Traversal Attempt Against Embedded Web Server Inbound (Path Traversal)';
    const stored = parseState({ f: String(T0), l: String(T0), n: '3', 'r:crit': encodeRuleRecord({ at: T0, value: 3, name }) })!;
    expect(stored.rules.crit.name).toBe(name);
    expect(factor(stored, 'rule:crit')!.detail).toBe(`matched "${name}" ×3 (rule crit, +30)`);
    const huge = parseState({ f: String(T0), l: String(T0), 'r:crit': encodeRuleRecord({ at: T0, value: 1, name: 'x'.repeat(5000) }) })!;
    expect(huge.rules.crit.name).toHaveLength(RULE_NAME_MAX);
  });

  it('an IPv6 prefix says first how many of its addresses it stands for', () => {
    const c = score(state({ addresses: 30, rules: { brute: { at: T0, value: 90 } } }), { subject: '2a0e:97c0:3e1:7a2::/64' }).contributions;
    expect(c[0]).toEqual({ factor: 'prefix', points: 0, detail: '30 addresses of 2a0e:97c0:3e1:7a2::/64' });
    expect(c[1].factor).toBe('rule:brute');
    expect(score(state()).contributions.map((x) => x.factor)).not.toContain('prefix');
  });

  it('ignores firings of rules no longer loaded', () => {
    expect(score(state({ rules: { gone: { at: T0, value: 1 } } })).score).toBe(0);
  });

  it('rate: ratio to the learned baseline, only once the baseline is warm', () => {
    const s = state({ rateC: 40, n: 40 });
    expect(factor(s, 'rate', { baseline: { logRate: 0, n: 100 } })).toMatchObject({ detail: 'rate 40× jurisdiction baseline (+11)' });
    expect(factor(s, 'rate', { baseline: { logRate: 0, n: 5 } })).toBeUndefined();
    expect(factor(state({ rateC: 2 }), 'rate', { baseline: { logRate: 0, n: 100 } })).toBeUndefined(); // under 3×
  });

  it('distinct targets, ports and signatures ramp logarithmically', () => {
    expect(factor(state({ ports: 214 }), 'ports')).toMatchObject({ points: 15, detail: '214 distinct destination ports (+15)' });
    expect(factor(state({ ports: 3 }), 'ports')).toBeUndefined();
    expect(factor(state({ targets: 12 }), 'targets')?.points).toBeCloseTo(15 * logRamp(12, 3, 50), 1);
    expect(factor(state({ signatures: 20 }), 'signatures')?.points).toBe(10);
  });

  it('severity mix and actions weigh by share, damped for few alerts', () => {
    expect(factor(state({ n: 10, hi: 5 }), 'severity')).toMatchObject({ points: 7.5, detail: '5 of 10 alerts high or critical (+8)' });
    expect(factor(state({ n: 1, hi: 1 }), 'severity')?.points).toBe(3);
    expect(factor(state({ n: 10, allowed: 10, blocked: 0 }), 'actions')?.points).toBe(10);
  });

  it('jurisdictions reporting the IP', () => {
    const js = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`j${i}`, T0]));
    expect(factor(state({ jurisdictions: js(1) }), 'jurisdictions')).toBeUndefined();
    expect(factor(state({ jurisdictions: js(2) }), 'jurisdictions')?.points).toBeCloseTo(8.3, 1);
    expect(factor(state({ jurisdictions: js(4) }), 'jurisdictions')).toMatchObject({ points: 25, detail: 'seen by 4 jurisdictions (+25)' });
  });

  it('recurrence counts only activity after the last block', () => {
    expect(factor(state({ last: T0 + H }), 'recurrence', { recurrence: { count: 2, lastAt: T0 } })).toMatchObject({ detail: 'back after 2 earlier blocks (+13)' });
    expect(factor(state({ last: T0 }), 'recurrence', { recurrence: { count: 2, lastAt: T0 + H } })).toBeUndefined();
  });

  it('enrichment factors: foreign source, per-country and per-AS points from config', () => {
    const c = DetectionConfig.parse({ countryPoints: { RU: 10 }, asnPoints: { '208677': -5 } });
    const s = state({ geo: { country: 'RU', asn: 208677, org: 'Cloud.ru' } });
    const got = scoreState({ state: s, rules, config: c, baseline: null, recurrence: null, at: T0 }).contributions;
    expect(got.map((x) => x.detail)).toEqual(['country RU (+10)', 'source in RU, outside KR (+5)', 'AS208677 Cloud.ru (-5)']);
    expect(factor(state(), 'foreign')).toBeUndefined();
  });

  it('decays with the configured half-life, from when each part was earned', () => {
    expect(decay(6 * H, 6 * H)).toBe(0.5);
    expect(decay(-H, 6 * H)).toBe(1);
    const s = state({ rules: { brute: { at: T0, value: 12 } } });
    expect(score(s, { at: T0 + 6 * H }).score).toBe(20);
    expect(score(s, { at: T0 + 12 * H }).score).toBe(10);
    const scored = score(s);
    expect(decayedScore(scored, T0 + 6 * H, config)).toBe(20);
  });

  it('rank keys order IPs as their decayed scores do, whenever they were scored', () => {
    const a = rankKey(80, T0, config); // 80 six hours ago = 40 now
    const b = rankKey(50, T0 + 6 * H, config);
    const c = rankKey(30, T0 + 6 * H, config);
    expect(b).toBeGreaterThan(a);
    expect(a).toBeGreaterThan(c);
  });

  it('flags at the threshold or on a flag rule, then only when the score rises by the step over the decayed last flag', () => {
    const base = { threshold: 60, ruleFlag: false, previous: null, step: 15, at: T0, halfLife: 6 * H, allowlisted: false };
    expect(decideFlag({ ...base, score: 59 })).toEqual({ flag: false, reason: null });
    expect(decideFlag({ ...base, score: 60 })).toEqual({ flag: true, reason: 'threshold' });
    expect(decideFlag({ ...base, score: 40, ruleFlag: true })).toEqual({ flag: true, reason: 'rule' });
    expect(decideFlag({ ...base, score: 95, allowlisted: true })).toEqual({ flag: false, reason: null });
    const previous = { score: 70, at: T0 };
    expect(decideFlag({ ...base, score: 84, previous })).toMatchObject({ flag: false });
    expect(decideFlag({ ...base, score: 85, previous })).toEqual({ flag: true, reason: 'rise' });
    expect(decideFlag({ ...base, score: 65, previous, at: T0 + 6 * H })).toEqual({ flag: true, reason: 'rise' }); // 70 decayed to 35
    expect(decideFlag({ ...base, score: 61, previous: { score: 70, at: T0 - 30 * 24 * H } })).toEqual({ flag: true, reason: 'threshold' });
  });
});

describe('state', () => {
  it('parses the stored hash', () => {
    const s = parseState({ f: String(T0), l: String(T0 + 5), n: '7', rc: '3.5', rt: String(T0), hi: '2', al: '5', bl: '2', dtn: '3', dpn: '9', dsn: '2', 'j:seoul': String(T0), 'r:brute': `${T0}|12`, 'r:crit': `${T0}|2|ET EXPLOIT x|y`, 's:suricata-eve:1': '4', 'sn:suricata-eve:1': 'sig', fg: '2', fs: '71.5', fa: String(T0), cc: 'CN', as: '4134', ao: 'CT', dt: 'aaaaaaaabbbbbbbb', dp: '#', ds: '' })!;
    expect(s).toMatchObject({ n: 7, ports: 9, jurisdictions: { seoul: T0 }, rules: { brute: { at: T0, value: 12 }, crit: { value: 2, name: 'ET EXPLOIT x|y' } }, sigs: { 'suricata-eve:1': { count: 4, name: 'sig' } }, flag: { gen: 2, score: 71.5 }, geo: { country: 'CN', asn: 4134 } });
    expect(parseState({})).toBeNull();
  });

  it('merges jurisdiction states for a partial view', () => {
    const a = state({ n: 3, hi: 1, jurisdictions: { a: T0 }, rules: { brute: { at: T0, value: 10 } }, sets: { dt: 'aaaaaaaabbbbbbbb', dp: '', ds: '', da: '' } });
    const b = state({ n: 2, last: T0 + 10, jurisdictions: { b: T0 + 10 }, rules: { brute: { at: T0 + 10, value: 11 } }, sets: { dt: 'bbbbbbbbcccccccc', dp: '#', ds: '', da: '' } });
    const m = mergeStates([a, b], 600_000, { dp: 40 })!;
    expect(m).toMatchObject({ n: 5, hi: 1, last: T0 + 10, targets: 3, ports: 40, jurisdictions: { a: T0, b: T0 + 10 }, rules: { brute: { at: T0 + 10, value: 11 } }, flag: null });
  });
});
