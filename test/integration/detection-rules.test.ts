import { AllowlistService } from '../../src/blocklist/allowlist.service';
import { DecisionsService } from '../../src/blocklist/decisions.service';
import { DetectionService } from '../../src/detection/detection.service';
import { DetectionStore } from '../../src/detection/detection.store';
import { DetectionRule } from '../../src/detection/rules/rule.schema';
import { DetectionRulesService } from '../../src/detection/rules/rules.service';
import { parseState } from '../../src/detection/scoring/state';
import type { NormalizedAlert } from '../../src/contracts/alert';
import { eventually, startTestApp, type TestApp } from '../helpers/app';

/**
 * Rule kinds, flag policy and the Redis-backed features, scored by the real detection service
 * against the real store (Lua scripts) chunk by chunk. Anomaly weights are off unless a test is
 * about one, so every score below is made of the points the test put in.
 */
const T0 = Date.now() - 3_600_000;
const S = 1000;
let seq = 0;
function alert(o: { src: string; ts: number; j?: string; dst?: string | null; dport?: number | null; ruleId?: string; name?: string; category?: string; sev?: number; action?: 'allowed' | 'blocked' }): NormalizedAlert {
  const iso = new Date(o.ts).toISOString();
  return {
    id: `t${++seq}-${o.src}`,
    timestamp: iso,
    timezone_source: 'explicit',
    received: iso,
    jurisdiction: o.j ?? 'seoul-jongno',
    observer: { vendor: 'OISF', product: 'Suricata', name: null },
    source: { ip: o.src, port: 40000 },
    destination: { ip: o.dst === undefined ? '10.11.0.5' : o.dst, port: o.dport === undefined ? 22 : o.dport },
    transport: 'tcp',
    rule: { id: o.ruleId ?? '2001219', name: o.name ?? 'ET SCAN Potential SSH Scan', category: o.category ?? 'Attempted Information Leak' },
    action: { value: o.action ?? 'allowed', raw: o.action ?? 'allowed' },
    severity: { id: o.sev ?? 3, raw: '2' },
    format: 'suricata-eve',
    original: '{}',
  };
}
const rule = (id: string, extra: Record<string, unknown>) => DetectionRule.parse({ apiVersion: 'gwanje/v1', kind: 'DetectionRule', id, name: id, match: { severity: { gte: 0 } }, points: 30, ...extra });
const ZERO = { rate: 0, targets: 0, ports: 0, signatures: 0, severity: 0, actions: 0, jurisdictions: 0, recurrence: 0, foreign: 0 };

describe('detection rules and flags (real store)', () => {
  let app: TestApp;
  let det: DetectionService;
  let store: DetectionStore;
  let rules: DetectionRulesService;
  const state = async (ip: string, scope = '*') => parseState((await store.states(ip, [scope])).get(scope) ?? {});

  beforeAll(async () => {
    app = await startTestApp({
      playbooks: { enabled: false },
      detection: { threshold: 60, thresholds: { 'seoul-mapo': 25 }, reflagStep: 15, baselineWarmup: 10, weights: ZERO, rulesDir: './playbooks/detection' },
    });
    det = app.app.get(DetectionService);
    store = app.app.get(DetectionStore);
    rules = app.app.get(DetectionRulesService);
  }, 60_000);
  afterAll(() => app.close());
  afterEach(() => rules.reload());

  it('event_count over chunks: an alert exactly one window before has left it', async () => {
    rules.replace([rule('ssh', { match: { 'destination.port': 22 }, correlate: { event_count: 5, window: '60s' }, points: 50, flag: true })]);
    const ip = '45.155.205.11';
    const chunk1 = [0, 10, 20, 30].map((s) => alert({ src: ip, ts: T0 + s * S }));
    expect((await det.scoreChunk(chunk1)).flagged).toEqual([]);
    // At +60 s the window is (T0, T0+60s]: 10, 20, 30, 60 — four, the alert at T0 has left.
    expect((await det.scoreChunk([alert({ src: ip, ts: T0 + 60 * S })])).flagged).toEqual([]);
    expect((await state(ip))!.rules.ssh).toBeUndefined();
    // At +65 s: 10, 20, 30, 60, 65 — five.
    const out = await det.scoreChunk([alert({ src: ip, ts: T0 + 65 * S }), alert({ src: ip, ts: T0 + 66 * S, dport: 80 })]);
    expect(out.flagged.map((f) => [f.ip, f.reason, f.rules])).toEqual([[ip, 'rule', ['ssh']]]);
    expect((await state(ip))!.rules.ssh).toEqual({ at: T0 + 65 * S, value: 5 });
    expect(out.flagged[0].contributions).toEqual([{ factor: 'rule:ssh', points: expect.any(Number), detail: expect.stringMatching(/^event_count = 5 in 1m \(rule ssh, \+\d+\)$/) }]);
    expect(out.flagged[0].decidingAlert.timestamp).toBe(new Date(T0 + 65 * S).toISOString());
  });

  it('value_count over destination ports, hosts, signatures and jurisdictions', async () => {
    rules.replace([
      rule('ports', { correlate: { value_count: { field: 'destination.port', min: 4 }, window: '5m' } }),
      rule('hosts', { correlate: { value_count: { field: 'destination.ip', min: 3 }, window: '5m' } }),
      rule('sigs', { correlate: { value_count: { field: 'rule.id', min: 3 }, window: '5m' } }),
      rule('juris', { correlate: { value_count: { field: 'jurisdiction', min: 3 }, window: '1h' } }),
    ]);
    const ip = '45.155.205.12';
    // Repeats of one value count once; the values arrive over two chunks.
    await det.scoreChunk([alert({ src: ip, ts: T0, dport: 1 }), alert({ src: ip, ts: T0 + S, dport: 1 }), alert({ src: ip, ts: T0 + 2 * S, dport: 2, ruleId: 'a' })]);
    expect(Object.keys((await state(ip))!.rules)).toEqual([]);
    await det.scoreChunk([alert({ src: ip, ts: T0 + 3 * S, dport: 3, dst: '10.11.0.6', ruleId: 'b' }), alert({ src: ip, ts: T0 + 4 * S, dport: 4, dst: '10.11.0.7' })]);
    const s1 = (await state(ip))!;
    expect(Object.keys(s1.rules).sort()).toEqual(['hosts', 'ports', 'sigs']);
    expect(s1.rules.ports.value).toBe(4);
    expect(s1.rules.hosts.value).toBe(3);
    // Jurisdictions: two, then a third in a later chunk (each jurisdiction's sensors ingested apart).
    await det.scoreChunk([alert({ src: ip, ts: T0 + 5 * S, j: 'seoul-mapo' })]);
    expect((await state(ip))!.rules.juris).toBeUndefined();
    await det.scoreChunk([alert({ src: ip, ts: T0 + 6 * S, j: 'gyeonggi-suwon' })]);
    expect((await state(ip))!.rules.juris).toMatchObject({ value: 3 });
    // A district's own scope never sees the other jurisdictions' values.
    expect((await state(ip, 'seoul-mapo'))!.rules.juris).toBeUndefined();
  });

  it('single-alert rules: CIDR lists, CEL over enrichment, and the jurisdiction restriction', async () => {
    const ip = '45.155.205.13';
    const country = det.lookup(ip).country;
    expect(country).toMatch(/^[A-Z]{2}$/);
    rules.replace([
      rule('cidr', { match: { 'source.ip': { cidr: ['45.155.205.0/24'] } }, points: 10 }),
      rule('cidr-miss', { match: { 'source.ip': { cidr: ['2001:db8::/32', '198.51.100.0/24'] } }, points: 10 }),
      rule('cel-country', { match: { cel: `threat.country == "${country}" && alert.severity.id >= 3` }, points: 10 }),
      rule('cel-other', { match: { cel: `threat.country == "${country === 'KR' ? 'JP' : 'KR'}"` }, points: 10 }),
      rule('mapo-only', { jurisdictions: ['seoul-mapo'], match: { 'rule.id': '2001219' }, points: 10 }),
    ]);
    await det.scoreChunk([alert({ src: ip, ts: T0 })]);
    expect(Object.keys((await state(ip))!.rules).sort()).toEqual(['cel-country', 'cidr']);
    await det.scoreChunk([alert({ src: ip, ts: T0 + S, j: 'seoul-mapo' })]);
    const s = (await state(ip))!;
    expect(Object.keys(s.rules).sort()).toEqual(['cel-country', 'cidr', 'mapo-only']);
    expect(s.rules.cidr.value).toBe(2);
    expect(s.geo?.country).toBe(country);
  });

  it('flag threshold per jurisdiction: the lowest among those that reported the IP', async () => {
    rules.replace([rule('thirty', { match: { 'rule.id': 'x30' }, points: 30 })]);
    const a = '45.155.205.14';
    const b = '45.155.205.15';
    const out = await det.scoreChunk([alert({ src: a, ts: T0, ruleId: 'x30' }), alert({ src: b, ts: T0, ruleId: 'x30', j: 'seoul-mapo' })]);
    expect(out.scored.filter((x) => x.scope === '*').map((x) => [x.ip, x.score])).toEqual([[a, 30], [b, 30]]);
    expect(out.flagged.map((f) => [f.ip, f.threshold, f.reason])).toEqual([[b, 25, 'threshold']]);
    // Jongno's 60 applies to `a` until Mapo also reports it.
    expect((await det.scoreChunk([alert({ src: a, ts: T0 + S, j: 'seoul-mapo' })])).flagged.map((f) => [f.ip, f.threshold])).toEqual([[a, 25]]);
  });

  it('re-flags only when the score rose by the step since the last flag', async () => {
    rules.replace([10, 14, 16].map((p) => rule(`p${p}`, { match: { 'rule.id': `p${p}` }, points: p })).concat(rule('base', { match: { 'rule.id': 'base' }, points: 30 })));
    const ip = '45.155.205.16';
    const first = await det.scoreChunk([alert({ src: ip, ts: T0, j: 'seoul-mapo', ruleId: 'base' })]);
    expect(first.flagged.map((f) => [f.generation, f.score])).toEqual([[1, 30]]);
    // Flagged at 30: 40 is not 15 above it, 54 is.
    const second = await det.scoreChunk([alert({ src: ip, ts: T0, j: 'seoul-mapo', ruleId: 'p10' })]);
    expect(second.flagged).toEqual([]);
    const third = await det.scoreChunk([alert({ src: ip, ts: T0, j: 'seoul-mapo', ruleId: 'p14' })]);
    expect(third.flagged.map((f) => [f.generation, f.score, f.reason])).toEqual([[2, 54, 'rise']]);
    // From 54, +16 = 70 is a rise of 16 ≥ 15.
    const fourth = await det.scoreChunk([alert({ src: ip, ts: T0, j: 'seoul-mapo', ruleId: 'p16' })]);
    expect(fourth.flagged.map((f) => [f.generation, f.score])).toEqual([[2 + 1, 70]]);
    const log = (await store.recentFlags(1000)).filter((l) => l.ip === ip);
    expect(log.map((l) => l.generation)).toEqual([3, 2, 1]);
  });

  it('an allowlisted IP is scored and ranked but never flagged', async () => {
    const ip = '45.155.205.17';
    await app.app.get(AllowlistService).add({ value: ip, jurisdiction: null, reason: 'partner scanner', actor: { type: 'system', id: 'test' }, expires: null });
    rules.replace([rule('always', { match: { 'rule.id': 'always' }, points: 90, flag: true })]);
    const out = await det.scoreChunk([alert({ src: ip, ts: T0, ruleId: 'always' })]);
    expect(out.scored.find((x) => x.ip === ip && x.scope === '*')?.score).toBe(90);
    expect(out.flagged).toEqual([]);
    expect((await state(ip))!.flag).toBeNull();
    const r = await app.call('GET', `/v1/ips/${ip}`);
    expect(r.body).toMatchObject({ score: expect.any(Number), flagged: false, allowlist: { allowlisted: true } });
    expect((await app.call('GET', '/v1/threats?min_score=1&limit=500')).body.items.map((t) => t.ip)).toContain(ip);
  });

  it('IPv6 prefixes: scored beside their addresses, flagged once they span two addresses, never past the allowlist', async () => {
    rules.replace([rule('hit', { match: { 'rule.id': 'hit' }, points: 60, flag: true })]);
    const net = '2a0e:97c0:3e1:7b0';
    const prefix = `${net}::/64`;
    const base = async () => (await store.baselines(['*'])).get('*')?.n ?? 0;
    const before = await base();
    // One address: it is flagged; its /64 holds the same evidence and is not.
    const first = await det.scoreChunk([alert({ src: `${net}::a`, ts: T0, ruleId: 'hit' })]);
    expect(first.flagged.map((f) => [f.ip, f.kind])).toEqual([[`${net}::a`, undefined]]);
    expect(first.scored.filter((x) => x.ip === prefix).map((x) => x.scope).sort()).toEqual(['*', 'seoul-jongno']);
    expect((await state(prefix))!).toMatchObject({ n: 1, addresses: 1, flag: null });
    expect((await state(`${net}::a`))!.addresses).toBe(0);
    // Prefixes read the scope's rate baseline but never teach it: one sample for the one address.
    expect(await base()).toBe(before + 1);
    // A second address of the /64: now the /64 is flagged too, named as a prefix.
    const second = await det.scoreChunk([alert({ src: `${net}:1::b`, ts: T0 + S, ruleId: 'hit' })]);
    expect(second.flagged.map((f) => [f.ip, f.kind ?? 'ip', f.addresses ?? 1]).sort()).toEqual([[`${net}:1::b`, 'ip', 1], [prefix, 'prefix', 2]]);
    const pf = second.flagged.find((f) => f.ip === prefix)!;
    expect(pf).toMatchObject({ prefix: 64, alertCount: 2 });
    expect(pf.contributions[0]).toEqual({ factor: 'prefix', points: 0, detail: `2 addresses of ${prefix}` });
    // Another /64 next door is its own prefix; IPv4 has none.
    await det.scoreChunk([alert({ src: '2a0e:97c0:3e1:7b1::a', ts: T0, ruleId: 'x' }), alert({ src: '45.155.205.30', ts: T0, ruleId: 'x' })]);
    expect((await state('2a0e:97c0:3e1:7b1::/64'))!.addresses).toBe(1);
    expect((await store.states('45.155.205.30/64', ['*'])).size).toBe(0);

    // An allowlisted address inside a /64: its prefix is scored but never flagged (the block would cover it).
    const partner = '2a0e:97c0:3e1:7c0::50';
    await app.app.get(AllowlistService).add({ value: partner, jurisdiction: null, reason: 'partner', actor: { type: 'system', id: 'test' }, expires: null });
    const guarded = await det.scoreChunk([alert({ src: '2a0e:97c0:3e1:7c0::1', ts: T0, ruleId: 'hit' }), alert({ src: '2a0e:97c0:3e1:7c0::2', ts: T0, ruleId: 'hit' })]);
    expect(guarded.flagged.map((f) => f.ip).sort()).toEqual(['2a0e:97c0:3e1:7c0::1', '2a0e:97c0:3e1:7c0::2']);
    expect((await state('2a0e:97c0:3e1:7c0::/64'))!.addresses).toBe(2);

    // detection.ipv6Prefix: 0 turns prefixes off.
    app.config.detection.ipv6Prefix = 0;
    try {
      await det.scoreChunk([alert({ src: '2a0e:97c0:3e1:7d0::1', ts: T0, ruleId: 'hit' })]);
      expect((await store.states('2a0e:97c0:3e1:7d0::/64', ['*'])).size).toBe(0);
    } finally {
      app.config.detection.ipv6Prefix = 64;
    }
  });

  it('distinct ports past the inline cap are counted by a HyperLogLog, and in the ports factor', async () => {
    app.config.detection.weights.ports = 15;
    rules.replace([]);
    const ip = '45.155.205.18';
    try {
      for (let c = 0; c < 3; c++) await det.scoreChunk(Array.from({ length: 20 }, (_, k) => alert({ src: ip, ts: T0 + (c * 20 + k) * S, dport: 1000 + c * 20 + k })));
      const s = (await state(ip))!;
      expect(s.sets.dp).toBe('#');
      expect(Math.abs(s.ports - 60)).toBeLessThanOrEqual(2);
      const r = await app.call('GET', `/v1/ips/${ip}`);
      expect(r.body.contributions.find((c) => c.factor === 'ports')?.detail).toMatch(/^\d+ distinct destination ports \(\+\d+\)$/);
    } finally {
      app.config.detection.weights.ports = 0;
    }
  });

  it('rate: an IP far above the learned baseline of the scope gets rate points', async () => {
    app.config.detection.weights.rate = 15;
    rules.replace([]);
    try {
      // Teach the scope (a jurisdiction nobody else uses here) a quiet baseline: one alert per IP.
      await det.scoreChunk(Array.from({ length: 30 }, (_, k) => alert({ src: `103.75.1.${k + 1}`, ts: T0, j: 'gyeonggi-seongnam' })));
      const out = await det.scoreChunk(Array.from({ length: 60 }, (_, k) => alert({ src: '45.155.205.19', ts: T0 + k * S, j: 'gyeonggi-seongnam' })));
      const quiet = await det.scoreChunk([alert({ src: '103.75.2.1', ts: T0, j: 'gyeonggi-seongnam' })]);
      expect(out.scored.find((x) => x.scope === 'gyeonggi-seongnam')!.score).toBeGreaterThan(5);
      expect(quiet.scored.find((x) => x.scope === 'gyeonggi-seongnam')!.score).toBe(0);
      const r = await app.call('GET', '/v1/ips/45.155.205.19');
      expect(r.body.contributions.find((c) => c.factor === 'rate')?.detail).toMatch(/^rate \d+× federation baseline \(\+\d+\)$/);
    } finally {
      app.config.detection.weights.rate = 0;
    }
  });

  it('recurrence: a ban recorded by the block-list counts when the IP comes back, and the profile lists it', async () => {
    app.config.detection.weights.recurrence = 20;
    rules.replace([]);
    const ip = '45.155.205.20';
    try {
      await det.scoreChunk([alert({ src: ip, ts: Date.now() - 60_000 })]);
      const ban = await app.app.get(DecisionsService).ban({ value: ip, jurisdiction: 'seoul-jongno', reason: 'test', origin: { type: 'manual', id: 'test' }, actor: { type: 'system', id: 'test' }, score: 80 });
      expect(ban.ok).toBe(true);
      // Activity before the block earns nothing; activity after it does.
      expect((await app.call('GET', `/v1/ips/${ip}`)).body.contributions.map((c) => c.factor)).not.toContain('recurrence');
      await det.scoreChunk([alert({ src: ip, ts: Date.now() + 1000 })]);
      const r = await app.call('GET', `/v1/ips/${ip}`);
      expect(r.body.recurrence.blocks).toBe(1);
      expect(r.body.contributions.find((c) => c.factor === 'recurrence')?.detail).toMatch(/^back after 1 earlier block \(\+\d+\)$/);
      expect(r.body.extensions.decisions).toEqual([expect.objectContaining({ value: ip, jurisdiction: 'seoul-jongno', status: 'active' })]);
      expect(r.body.extensions.shares).toEqual({ received: [], sent: [] });
      // Mapo's analyst sees neither Jongno's alerts nor its decisions.
      const mapo = (await app.call('POST', '/v1/keys', { body: { role: 'analyst', jurisdiction: 'seoul-mapo' } })).body.key;
      expect((await app.call('GET', `/v1/ips/${ip}`, { key: mapo })).status).toBe(404);
    } finally {
      app.config.detection.weights.recurrence = 0;
    }
  });

  it('enrichment (country, AS number and organisation) reaches the profile through the HTTP pipeline; threats honour jurisdiction and limit', async () => {
    const ip = '185.220.101.4';
    const line = JSON.stringify({ timestamp: new Date().toISOString().replace('Z', '000+0000'), event_type: 'alert', src_ip: ip, src_port: 5555, dest_ip: '10.11.0.9', dest_port: 443, proto: 'TCP', alert: { action: 'allowed', signature_id: 1, signature: 'x', category: 'y', severity: 2 } });
    expect((await app.call('POST', '/v1/ingest?format=suricata-eve&jurisdiction=seoul-jongno', { raw: line })).status).toBe(202);
    const geo = det.lookup(ip);
    expect(geo).toEqual({ country: expect.stringMatching(/^[A-Z]{2}$/), asn: expect.any(Number), org: expect.any(String) });
    const r = await eventually(async () => {
      const res = await app.call('GET', `/v1/ips/${ip}`);
      return res.status === 200 ? res : null;
    });
    expect(r.body).toMatchObject({ country: geo.country, asn: { number: geo.asn, org: geo.org } });
    const two = await app.call('GET', '/v1/threats?min_score=0&limit=2&jurisdiction=seoul-jongno');
    const one = await app.call('GET', '/v1/threats?min_score=0&limit=1&jurisdiction=seoul-jongno');
    expect(two.body.items).toHaveLength(2);
    expect(one.body.items.map((t) => t.ip)).toEqual([two.body.items[0].ip]);
    expect(two.body.items[0].score).toBeGreaterThanOrEqual(two.body.items[1].score);
    expect(two.body.items.every((t) => t.jurisdictions.includes('seoul-jongno'))).toBe(true);
  });
});
