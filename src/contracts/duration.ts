import { z } from 'zod';

/**
 * The one duration dialect of Gwanje (config, playbooks, detection rules, trust policies, the API,
 * the CLI): whole numbers with a unit, concatenated: `250ms`, `30s`, `5m`, `24h`, `7d`, `2w`, `1h30m`.
 */
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

export const DURATION_RE = /^(\d+(ms|s|m|h|d|w))+$/;

/** A duration as text, checked against the dialect; `message` is what a reader is told otherwise. */
export const durationText = (message = 'a duration like 30s, 15m, 24h or 7d') => z.string().regex(DURATION_RE, message);

/** `30m`, `24h`, `7d`, `1h30m`, `2w` → milliseconds; null when the text is not a duration. */
export function parseDuration(text: string): number | null {
  const t = text.trim();
  if (!DURATION_RE.test(t)) return null;
  let ms = 0;
  for (const m of t.matchAll(/(\d+)(ms|s|m|h|d|w)/g)) ms += Number(m[1]) * UNIT_MS[m[2]];
  return Number.isSafeInteger(ms) ? ms : null;
}

/** A config duration (validated by the config schema), in ms. */
export function configDuration(text: string): number {
  const ms = parseDuration(text);
  if (ms === null) throw new Error(`not a duration: ${text}`);
  return ms;
}

/**
 * Remaining time as Go's time.Duration prints it, whole seconds: `3h59m50s`, `5m0s`, `42s`, `0s`
 * (CrowdSec bouncers parse it with time.ParseDuration; hours are never folded into days).
 */
export function goDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h) return `${h}h${m}m${s}s`;
  if (m) return `${m}m${s}s`;
  return `${s}s`;
}

/** Milliseconds → the shortest exact text (`90s`, `6h`, `2d`), for messages. */
export function formatDuration(ms: number): string {
  for (const u of ['w', 'd', 'h', 'm', 's'] as const) if (ms >= UNIT_MS[u] && ms % UNIT_MS[u] === 0) return `${ms / UNIT_MS[u]}${u}`;
  return `${ms}ms`;
}
