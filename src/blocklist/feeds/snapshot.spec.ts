import type { ChangeEntry, Decision } from '../decisions.schemas';
import { Snapshot } from './snapshot';

const T0 = Date.parse('2026-03-01T00:00:00.000Z');
const d = (id: number, over: Partial<Decision> = {}): Decision => ({
  id: String(id),
  value: `45.155.205.${id}`,
  scope: 'ip',
  jurisdiction: 'seoul-jongno',
  type: 'ban',
  created: new Date(T0).toISOString(),
  expires: new Date(T0 + 3_600_000).toISOString(),
  origin: { type: 'manual', id: 'k' },
  reason: 'r',
  score: 50,
  confidence: 50,
  tlp: 'AMBER',
  repeat: 0,
  ended: null,
  ...over,
});
const loaded = (active: Decision[], ver = 3, mtime = T0) => ({ meta: { ver, mtime, lastExpiry: 0 }, logId: '100-0', active, ended: [], unsweptExpiry: 0 });
const change = (sid: string, kind: ChangeEntry['kind'], decision: Decision, ver: number | null): ChangeEntry => ({ sid, kind, id: decision.id, ver, decision });
const values = (s: Snapshot) => s.active.map((e) => e.d.value);

describe('feed snapshot', () => {
  it('orders by score (highest first), then value, then id', () => {
    const s = new Snapshot('j', 0, loaded([d(3, { score: 10 }), d(1, { score: 90 }), d(2, { score: 90 })]), T0);
    expect(values(s)).toEqual(['45.155.205.1', '45.155.205.2', '45.155.205.3']);
  });

  it('drops a decision at its exact expiry instant, and Last-Modified becomes that instant', () => {
    const s = new Snapshot('j', 0, loaded([d(1, { expires: new Date(T0 + 1000).toISOString() }), d(2)]), T0);
    const epoch = s.epoch;
    expect(s.advance(T0 + 999)).toBe(false);
    expect(values(s)).toHaveLength(2);
    expect(s.advance(T0 + 1000)).toBe(true);
    expect(values(s)).toEqual(['45.155.205.2']);
    expect(s.lastModified).toBe(T0 + 1000);
    expect(s.epoch).toBe(epoch + 1);
    expect(s.hosts.has('45.155.205.1')).toBe(false);
  });

  it('applies created and ended changes in order, skipping ones it already has', () => {
    const s = new Snapshot('j', 3_600_000, loaded([d(1)], 3), T0);
    const ended = { ...d(1), ended: { at: new Date(T0 + 10).toISOString(), by: { type: 'key' as const, id: 'k' }, reason: 'fp' } };
    const ok = s.apply([change('100-0', 'created', d(1), 3), change('101-0', 'created', d(5, { score: 99 }), 4), change('102-0', 'ended', ended, 5), change('103-0', 'expired', d(9), null)], { ver: 5, mtime: T0 + 10, lastExpiry: 0 }, T0 + 20);
    expect(ok).toBe(true);
    expect(values(s)).toEqual(['45.155.205.5']);
    expect(s.ended.map((e) => e.d.id)).toEqual(['1']);
    expect(s.ver).toBe(5);
    expect(s.logId).toBe('103-0');
    expect(s.lastModified).toBe(T0 + 10);
  });

  it('refuses a delta with a gap (the caller reloads)', () => {
    const s = new Snapshot('j', 0, loaded([], 3), T0);
    expect(s.apply([change('101-0', 'created', d(5), 5)], { ver: 5, mtime: T0, lastExpiry: 0 }, T0)).toBe(false);
    const t = new Snapshot('j', 0, loaded([], 3), T0);
    expect(t.apply([change('101-0', 'created', d(5), 4)], { ver: 6, mtime: T0, lastExpiry: 0 }, T0)).toBe(false);
  });

  it('keeps ended decisions for the revoked window only', () => {
    const endedAt = T0 + 1000;
    const ended = { ...d(1), ended: { at: new Date(endedAt).toISOString(), by: { type: 'key' as const, id: 'k' }, reason: 'fp' } };
    const s = new Snapshot('j', 60_000, { ...loaded([]), ended: [ended] }, T0 + 2000);
    expect(s.ended).toHaveLength(1);
    s.advance(endedAt + 60_000);
    expect(s.ended).toHaveLength(0);
  });
});
