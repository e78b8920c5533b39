import fc from 'fast-check';
import { estimate, msUntilAtMost, type SlidingCount } from './sliding-window';

/** The counter as it would read `t` ms later with no new events. */
function later(c: SlidingCount, t: number): SlidingCount {
  const at = c.elapsedMs + t;
  if (at < c.windowMs) return { ...c, elapsedMs: at };
  if (at < 2 * c.windowMs) return { current: 0, previous: c.current, elapsedMs: at - c.windowMs, windowMs: c.windowMs };
  return { current: 0, previous: 0, elapsedMs: at % c.windowMs, windowMs: c.windowMs };
}

describe('two-bucket sliding window', () => {
  it('weighs the previous bucket by the part of the window that overlaps it', () => {
    const w = 60_000;
    expect(estimate({ current: 5, previous: 10, elapsedMs: 0, windowMs: w })).toBe(15);
    expect(estimate({ current: 5, previous: 10, elapsedMs: 30_000, windowMs: w })).toBe(10);
    // A fixed window would allow 2 × limit across a boundary; the sliding estimate does not.
    expect(estimate({ current: 20, previous: 20, elapsedMs: 1, windowMs: w })).toBeGreaterThan(39);
  });

  it('the wait it answers is exactly when the estimate has fallen far enough', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 59_999 }), fc.integer({ min: 0, max: 150 }), (current, previous, elapsedMs, target) => {
        const c = { current, previous, elapsedMs, windowMs: 60_000 };
        const t = msUntilAtMost(c, target);
        expect(estimate(later(c, t))).toBeLessThanOrEqual(target + 1e-9);
        if (t > 0) expect(estimate(later(c, t - 1))).toBeGreaterThan(target - 1e-6);
      }),
    );
  });
});
