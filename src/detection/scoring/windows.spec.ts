import { countInWindow, evalEventCount, evalValueCount } from './windows';

const M = 60_000;
describe('sliding windows', () => {
  it('a window at t holds (t − W, t]: an alert exactly W before has left, one just after is in', () => {
    expect(countInWindow([0, 1, 2], 5 * M, 5 * M)).toBe(0 + 2); // 1 and 2 ms are inside (0, 300000]... 0 is not
    expect(countInWindow([0, 5 * M], 5 * M, 5 * M)).toBe(1);
    expect(countInWindow([1, 5 * M], 5 * M, 5 * M)).toBe(2);
    expect(countInWindow([6 * M], 5 * M, 5 * M)).toBe(0); // later than t: not yet
  });

  it('event_count fires at the alert that reaches N, and reports the largest count', () => {
    const ts = Array.from({ length: 12 }, (_, i) => i * 10_000);
    const events = ts.map((t, i) => ({ ts: t, id: `a${i}` }));
    const f = evalEventCount(ts, events, 5 * M, 10)!;
    expect(f.first).toEqual({ ts: 90_000, id: 'a9' });
    expect(f.count).toBe(12);
    expect(f.lastTs).toBe(110_000);
    expect(evalEventCount(ts, events, 5 * M, 13)).toBeNull();
  });

  it('event_count over the edge: N alerts spread wider than W never fire', () => {
    const ts = Array.from({ length: 10 }, (_, i) => i * (5 * M) / 9); // first and tenth exactly W apart
    expect(evalEventCount(ts, ts.map((t, i) => ({ ts: t, id: String(i) })), 5 * M, 10)).toBeNull();
    const tighter = ts.map((t, i) => (i === 0 ? 1 : t));
    expect(evalEventCount(tighter, tighter.map((t, i) => ({ ts: t, id: String(i) })), 5 * M, 10)?.first.id).toBe('9');
  });

  it('windows span chunks: earlier alerts stored in Redis count with the new ones, in any order', () => {
    const stored = [0, 10_000, 20_000, 30_000, 40_000, 50_000, 60_000, 70_000];
    const fresh = [{ ts: 80_000, id: 'x' }, { ts: 75_000, id: 'y' }];
    expect(evalEventCount([...stored, 80_000, 75_000], fresh, 5 * M, 10)?.first.id).toBe('x');
  });

  it('value_count counts distinct values by their last sighting', () => {
    const seen = new Map(Array.from({ length: 25 }, (_, i) => [String(1000 + i), i * 1000] as [string, number]));
    seen.set('22', 0);
    const events = [{ ts: 24_000, id: 'e' }];
    expect(evalValueCount(seen, events, 5 * M, 26)?.count).toBe(26);
    expect(evalValueCount(seen, events, 10_000, 5)?.count).toBe(10); // only (14000, 24000]
    expect(evalValueCount(seen, events, 5 * M, 27)).toBeNull();
  });
});
