const UNIT: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `30s`, `5m`, `6h`, `1d` → milliseconds. */
export function durationMs(text: string): number {
  const m = /^(\d+)(ms|s|m|h|d)$/.exec(text);
  if (!m) throw new Error(`not a duration: ${text}`);
  return Number(m[1]) * UNIT[m[2]];
}

/** Milliseconds → the shortest exact `5m` / `6h` / `90s` text. */
export function formatDuration(ms: number): string {
  for (const u of ['d', 'h', 'm', 's'] as const) if (ms >= UNIT[u] && ms % UNIT[u] === 0) return `${ms / UNIT[u]}${u}`;
  return `${ms}ms`;
}
