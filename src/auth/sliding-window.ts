/**
 * Sliding-window counting with two fixed buckets (the approach of Cloudflare's and nginx's
 * limiters): the estimate at a moment `elapsed` ms into the current window is
 * `previous × (window − elapsed) / window + current`. Unlike a fixed window it lets no burst of
 * 2 × limit straddle a boundary, and costs two small keys per counter instead of a log of events.
 */

/**
 * One round trip: count an event in the current bucket (Redis clock, so every process agrees on
 * the buckets), read the previous one, and claim the once-per-window warning when the estimate
 * exceeds a threshold.
 *
 * KEYS: 1 counter base key.  ARGV: 1 window ms, 2 warn when the estimate exceeds this.
 * Returns {current, previous, elapsed ms in the current window, 1 if this call should warn}.
 */
export const SLIDING_HIT_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local w = tonumber(ARGV[1])
local idx = math.floor(now / w)
local curKey = KEYS[1] .. ':' .. string.format('%.0f', idx)
local cur = redis.call('INCR', curKey)
if cur == 1 then redis.call('PEXPIRE', curKey, w * 2) end
local prev = tonumber(redis.call('GET', KEYS[1] .. ':' .. string.format('%.0f', idx - 1)) or '0')
local elapsed = now - idx * w
local warn = 0
if prev * (w - elapsed) / w + cur > tonumber(ARGV[2]) then
  if redis.call('SET', KEYS[1] .. ':warned', '1', 'PX', w, 'NX') then warn = 1 end
end
return {cur, prev, elapsed, warn}
`;

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
