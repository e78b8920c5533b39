import { batchesInTimeOrder, generateScenario, type ScenarioOptions } from './generator';

const JS = ['seoul-jongno', 'seoul-gangnam', 'seoul-mapo', 'gyeonggi-suwon', 'gyeonggi-seongnam', 'seoul'].map((id, i) => ({ id, cidr: `10.${11 + i}.0.0/16` }));
const opts: ScenarioOptions = { seed: 42, start: Date.parse('2026-03-01T00:00:00Z'), durationMs: 6 * 3_600_000, jurisdictions: JS, users: 300, scanners: 30, attackersPerKind: 2 };

describe('scenario generator', () => {
  const s = generateScenario(opts);

  it('the same seed and start give the same lines; another seed, others', () => {
    expect(generateScenario(opts).events.map((e) => e.line)).toEqual(s.events.map((e) => e.line));
    expect(generateScenario({ ...opts, seed: 43 }).events.map((e) => e.line)).not.toEqual(s.events.map((e) => e.line));
  });

  it('labels every IP: benign users and scanners, and each attack kind', () => {
    const kinds = new Map<string, number>();
    for (const a of s.labels.attackers) kinds.set(a.kind, (kinds.get(a.kind) ?? 0) + 1);
    expect([...kinds]).toEqual([['ssh-brute-force', 2], ['vpn-brute-force', 2], ['port-scan', 2], ['slow-scan', 2], ['exploit-burst', 2], ['web-attack', 2], ['multi-jurisdiction', 2]]);
    expect(s.labels.benign.ips).toHaveLength(330);
    const attackers = new Set(s.labels.attackers.map((a) => a.ip));
    expect(s.labels.benign.ips.some((ip) => attackers.has(ip))).toBe(false);
    expect(s.events.every((e) => (e.label === 'benign') !== attackers.has(e.ip))).toBe(true);
    expect(s.events.every((e) => e.ts >= opts.start && e.ts < opts.start + opts.durationMs)).toBe(true);
  });

  it('the slow scan stays under 20 ports in any 5 minutes but passes 25 in 6 hours; the spread attacker is thin in each of five jurisdictions', () => {
    for (const a of s.labels.attackers.filter((x) => x.kind === 'slow-scan')) {
      const ts = s.events.filter((e) => e.ip === a.ip).map((e) => e.ts);
      const most = Math.max(...ts.map((t) => ts.filter((u) => u > t - 300_000 && u <= t).length));
      expect(most).toBeLessThan(20);
      expect(ts.length).toBeGreaterThan(25);
    }
    for (const a of s.labels.attackers.filter((x) => x.kind === 'multi-jurisdiction')) {
      expect(a.jurisdictions).toHaveLength(5);
      for (const j of a.jurisdictions) expect(s.events.filter((e) => e.ip === a.ip && e.jurisdiction === j).length).toBeLessThanOrEqual(5);
    }
  });

  it('benign users trip a high-severity web false positive, never an exploit or CVE signature', () => {
    const benign = s.events.filter((e) => e.label === 'benign' && e.format === 'suricata-eve').map((e) => JSON.parse(e.line).alert);
    expect(benign.some((a) => a.severity === 1 && a.category === 'Web Application Attack')).toBe(true);
    expect(benign.filter((a) => /\bexploit\b|cve-\d{4}-\d+/i.test(a.signature) || /privilege gain/i.test(a.category))).toEqual([]);
  });

  it('batches follow scenario time, one per step, jurisdiction and format', () => {
    const batches = batchesInTimeOrder(s, 300_000);
    expect(batches.reduce((n, b) => n + b.events.length, 0)).toBe(s.events.length);
    const firstTs = batches.map((b) => b.events[0].ts);
    const slot = (t: number) => Math.floor((t - s.events[0].ts) / 300_000);
    expect(firstTs.map(slot)).toEqual([...firstTs.map(slot)].sort((a, b) => a - b));
    expect(batches.every((b) => b.events.every((e) => e.jurisdiction === b.jurisdiction && e.format === b.format))).toBe(true);
  });
});
