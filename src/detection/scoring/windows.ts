/**
 * Sliding windows, evaluated at each new alert: a window of W at time t holds what happened in
 * (t − W, t] — an alert exactly W before t has left it. Inputs are the window's entries after the
 * chunk was merged into Redis (older chunks included), so windows span chunks.
 */

/** Index of the first element > x in an ascending array. */
function upperBound(a: number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** How many of the ascending timestamps fall in (t − W, t]. */
export function countInWindow(sortedTs: number[], t: number, windowMs: number): number {
  return upperBound(sortedTs, t) - upperBound(sortedTs, t - windowMs);
}

export interface WindowEvent {
  ts: number;
  id: string;
}

export interface WindowFiring {
  /** The first new alert at which the window reached its threshold (the deciding alert). */
  first: WindowEvent;
  /** The latest new alert at which it held; the firing time for decay. */
  lastTs: number;
  /** The largest count seen at a firing point. */
  count: number;
}

/** event_count: ≥ min alerts in the window, checked at each new alert. */
export function evalEventCount(stateTs: number[], events: WindowEvent[], windowMs: number, min: number): WindowFiring | null {
  const sorted = [...stateTs].sort((a, b) => a - b);
  return sweep(sorted, events, windowMs, min);
}

/**
 * value_count: ≥ min distinct values in the window. `lastSeen` maps each value to the last time it
 * was seen (as stored); a value counts at time t if that time is in (t − W, t].
 */
export function evalValueCount(lastSeen: Map<string, number>, events: WindowEvent[], windowMs: number, min: number): WindowFiring | null {
  const sorted = [...lastSeen.values()].sort((a, b) => a - b);
  return sweep(sorted, events, windowMs, min);
}

function sweep(sorted: number[], events: WindowEvent[], windowMs: number, min: number): WindowFiring | null {
  let out: WindowFiring | null = null;
  for (const e of [...events].sort((a, b) => a.ts - b.ts)) {
    const n = countInWindow(sorted, e.ts, windowMs);
    if (n < min) continue;
    if (!out) out = { first: e, lastTs: e.ts, count: n };
    else {
      out.lastTs = Math.max(out.lastTs, e.ts);
      out.count = Math.max(out.count, n);
    }
  }
  return out;
}
