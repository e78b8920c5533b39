/**
 * Sliding-window counting with two fixed buckets (the approach of Cloudflare's and nginx's
 * limiters): the estimate at a moment `elapsed` ms into the current window is
 * `previous × (window − elapsed) / window + current`. Unlike a fixed window it lets no burst of
 * 2 × limit straddle a boundary, and costs two small keys per counter instead of a log of events.
 */

/** The counting itself is one Lua call: lua/sliding-hit-1.lua (ApiKeysStore.slidingHit). */

export interface SlidingCount {
  current: number;
  previous: number;
  /** ms into the current window. */
  elapsedMs: number;
  windowMs: number;
}

export function estimate(c: SlidingCount): number {
  return (c.previous * (c.windowMs - c.elapsedMs)) / c.windowMs + c.current;
}

/** How long until the estimate falls to `target` or below with no new events (0: it already has). */
export function msUntilAtMost(c: SlidingCount, target: number): number {
  const { current, previous, elapsedMs: e, windowMs: w } = c;
  if (estimate(c) <= target) return 0;
  // Still in this window: only the previous bucket's share shrinks.
  if (current <= target && previous > 0) {
    const t = w - e - ((target - current) * w) / previous;
    if (t < w - e) return Math.max(0, Math.ceil(t));
  }
  // In the next window the current bucket becomes the previous one and shrinks in turn.
  const s = current > 0 ? Math.max(0, w - (target * w) / current) : 0;
  return Math.ceil(w - e + s);
}
