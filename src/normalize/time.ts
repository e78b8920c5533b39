import { parseOffset } from '../contracts/zone';

export { parseOffset, UtcOffset } from '../contracts/zone';

/**
 * Time parsing shared by the parsers. Every result is UTC ISO-8601 with milliseconds plus how
 * the zone was known. Date.parse is avoided for sensor text: it rejects "+0000" offsets in some
 * forms and silently drops microseconds.
 */
export type TimeResult = { iso: string; zone: 'explicit' | 'configured' | 'received' };

const MONTHS: Record<string, number> = { jan: 0, feb: 1, mar: 2, apr: 3, may: 4, jun: 5, jul: 6, aug: 7, sep: 8, oct: 9, nov: 10, dec: 11 };
export const monthIndex = (name: string): number | undefined => MONTHS[name.slice(0, 3).toLowerCase()];

/** Build a UTC instant from wall-clock parts in a zone given as minutes east of UTC. */
export function fromParts(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number, offsetMin: number): number | null {
  if (mo < 0 || mo > 11 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return null;
  const t = Date.UTC(y, mo, d, h, mi, s, ms) - offsetMin * 60_000;
  const check = new Date(Date.UTC(y, mo, d));
  if (check.getUTCMonth() !== mo) return null; // 31 Feb and friends
  return Number.isFinite(t) ? t : null;
}

const toIso = (ms: number) => new Date(ms).toISOString();

/** Fraction text ".415742" → milliseconds (truncated). */
const fracMs = (frac: string | undefined) => (frac ? Number((frac.slice(1) + '00').slice(0, 3)) : 0);

/**
 * ISO-8601-like text: "2022-07-12T06:22:33.415742+0000", "2024-01-01 10:00:00", "...Z".
 * Without an offset the configured zone applies.
 */
export function parseIsoLike(text: string, configuredZone: string): TimeResult | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(\.\d+)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i.exec(text.trim());
  if (!m) return null;
  const explicit = m[8] != null;
  const off = explicit ? parseOffset(m[8]) : parseOffset(configuredZone);
  if (off == null) return null;
  const t = fromParts(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6], fracMs(m[7]), off);
  return t == null ? null : { iso: toIso(t), zone: explicit ? 'explicit' : 'configured' };
}

/** Epoch in s, ms, µs or ns, told apart by magnitude (ns exceeds 2^53, so strings are accepted). */
export function parseEpoch(value: string | number): TimeResult | null {
  const text = String(value).trim();
  if (!/^\d{9,19}(\.\d+)?$/.test(text)) return null;
  const [int, frac] = text.split('.');
  let ms: number;
  if (int.length <= 10) ms = Number(int) * 1000 + fracMs(frac ? '.' + frac : undefined);
  else if (int.length <= 13) ms = Number(int);
  else if (int.length <= 16) ms = Number(int.slice(0, int.length - 3));
  else ms = Number(int.slice(0, int.length - 6));
  return Number.isFinite(ms) ? { iso: toIso(ms), zone: 'explicit' } : null;
}

/**
 * A date with no year (syslog "Mmm dd hh:mm:ss", Snort "MM/DD-hh:mm:ss"): choose the year that
 * puts it closest to receive time, in the configured zone.
 */
export function withInferredYear(mo: number, d: number, h: number, mi: number, s: number, ms: number, ctx: { receivedAt: number; timezone: string }): TimeResult | null {
  const off = parseOffset(ctx.timezone) ?? 540;
  const year = new Date(ctx.receivedAt + off * 60_000).getUTCFullYear();
  let best: number | null = null;
  for (const y of [year - 1, year, year + 1]) {
    const t = fromParts(y, mo, d, h, mi, s, ms, off);
    if (t != null && (best == null || Math.abs(t - ctx.receivedAt) < Math.abs(best - ctx.receivedAt))) best = t;
  }
  return best == null ? null : { iso: toIso(best), zone: 'configured' };
}

/** The receive time, when a line carries no usable time at all. */
export const receivedTime = (receivedAt: number): TimeResult => ({ iso: toIso(receivedAt), zone: 'received' });

/**
 * Common zone abbreviations in device logs → minutes east of UTC. Ambiguous ones (CST, IST, BST)
 * are left out on purpose: an unknown zone is reported as unreadable, never guessed.
 */
const ZONE_ABBREV: Record<string, number> = {
  UT: 0, UTC: 0, GMT: 0, Z: 0, WET: 0, WEST: 60, CET: 60, CEST: 120, MET: 60, MEST: 120, EET: 120, EEST: 180,
  MSK: 180, SGT: 480, HKT: 480, AWST: 480, KST: 540, JST: 540, AEST: 600, AEDT: 660, NZST: 720, NZDT: 780,
  HST: -600, AKST: -540, AKDT: -480, PST: -480, PDT: -420, MST: -420, MDT: -360, CDT: -300, EST: -300, EDT: -240,
};

/** Zone text as devices print it: an offset ("+0900", "UTC+5:30", "Z") or a common abbreviation ("KST", "PDT"). */
export function zoneOffset(text: string | null | undefined): number | null {
  if (text == null) return null;
  const off = parseOffset(text);
  if (off != null) return off;
  return ZONE_ABBREV[text.trim().toUpperCase()] ?? null;
}

type PatternSlot = 'y' | 'yy' | 'M' | 'MMM' | 'd' | 'H' | 'h' | 'm' | 's' | 'S' | 'a' | 'z' | 'E';
type CompiledPattern = { re: RegExp; slots: PatternSlot[] };
const PATTERN_CACHE = new Map<string, CompiledPattern | null>();
const NUMERIC_LETTERS = 'yMLdHkKhmsS';
const ZONE_RE = '(Z|[+-]\\d{1,2}(?::?\\d{2})?|[A-Za-z]{1,5}(?:[+-]\\d{1,2}(?::?\\d{2})?)?)';

/** Compile a subset of Java SimpleDateFormat into an anchored regex of bounded, non-nested quantifiers. */
function compilePattern(pattern: string): CompiledPattern | null {
  if (PATTERN_CACHE.has(pattern)) return PATTERN_CACHE.get(pattern)!;
  let compiled: CompiledPattern | null = null;
  if (pattern.length > 0 && pattern.length <= 64) {
    const runs: Array<{ letter: string; count: number } | { literal: string }> = [];
    let i = 0;
    let bad = false;
    while (i < pattern.length) {
      const c = pattern[i];
      if (/[A-Za-z]/.test(c)) {
        let j = i;
        while (j < pattern.length && pattern[j] === c) j++;
        runs.push({ letter: c, count: j - i });
        i = j;
      } else if (c === "'") {
        let j = i + 1;
        let lit = '';
        for (; j < pattern.length; j++) {
          if (pattern[j] === "'") {
            if (pattern[j + 1] === "'") { lit += "'"; j++; } else break;
          } else lit += pattern[j];
        }
        runs.push({ literal: i + 1 === j ? "'" : lit });
        i = j + 1;
      } else {
        runs.push({ literal: c });
        i++;
      }
    }
    let src = '^';
    const slots: PatternSlot[] = [];
    for (let k = 0; k < runs.length && !bad; k++) {
      const run = runs[k];
      if ('literal' in run) {
        src += /^\s+$/.test(run.literal) ? (src.endsWith(' +') ? '' : ' +') : run.literal.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
        continue;
      }
      const next = runs[k + 1];
      const fixed = next != null && 'letter' in next && NUMERIC_LETTERS.includes(next.letter);
      const num = (max: number) => (fixed ? `(\\d{${run.count}})` : `(\\d{1,${Math.max(max, run.count)}})`);
      switch (run.letter) {
        case 'y': case 'u':
          if (run.count === 2) { src += '(\\d{2})'; slots.push('yy'); } else { src += '(\\d{4})'; slots.push('y'); }
          break;
        case 'M': case 'L':
          if (run.count <= 2) { src += num(2); slots.push('M'); } else { src += '([A-Za-z]{3,9}\\.?)'; slots.push('MMM'); }
          break;
        case 'd': src += num(2); slots.push('d'); break;
        case 'H': case 'k': src += num(2); slots.push('H'); break;
        case 'h': case 'K': src += num(2); slots.push('h'); break;
        case 'm': src += num(2); slots.push('m'); break;
        case 's': src += num(2); slots.push('s'); break;
        case 'S': src += fixed ? `(\\d{${run.count}})` : '(\\d{1,9})'; slots.push('S'); break;
        case 'a': src += '([AaPp]\\.?[Mm]\\.?)'; slots.push('a'); break;
        case 'E': src += '([A-Za-z]{2,9}\\.?)'; slots.push('E'); break;
        case 'z': case 'Z': case 'X': case 'x': case 'O': src += ZONE_RE; slots.push('z'); break;
        default: bad = true;
      }
    }
    if (!bad) compiled = { re: new RegExp(src + '$'), slots };
  }
  if (PATTERN_CACHE.size >= 256) PATTERN_CACHE.clear();
  PATTERN_CACHE.set(pattern, compiled);
  return compiled;
}

/**
 * Device time text read with a Java SimpleDateFormat pattern ("MMM dd yyyy HH:mm:ss",
 * "yyyy-MM-dd HH:mm:ss z", "dd/MMM/yyyy:HH:mm:ss Z" ...), as CEF and LEEF devices declare them.
 * Supports y M d H h k K m s S a E z Z X and quoted literals; a zone in the text makes the
 * result explicit, otherwise the configured zone applies; a missing year is inferred from
 * receive time. Null when the pattern is unsupported, the text does not match, or the zone is unknown.
 */
export function parseDatePattern(text: string, pattern: string, ctx: { receivedAt: number; timezone: string }): TimeResult | null {
  const compiled = compilePattern(pattern.trim());
  if (!compiled) return null;
  const m = compiled.re.exec(text.trim());
  if (!m) return null;
  let year: number | null = null;
  let mo = 0, d = 1, h = 0, mi = 0, s = 0, ms = 0;
  let pm: boolean | null = null;
  let twelve = false;
  let off: number | null = null;
  let explicit = false;
  for (let k = 0; k < compiled.slots.length; k++) {
    const v = m[k + 1];
    switch (compiled.slots[k]) {
      case 'y': year = Number(v); break;
      case 'yy': year = 2000 + Number(v); break;
      case 'M': mo = Number(v) - 1; break;
      case 'MMM': {
        const idx = monthIndex(v);
        if (idx == null) return null;
        mo = idx;
        break;
      }
      case 'd': d = Number(v); break;
      case 'H': h = Number(v); break;
      case 'h': h = Number(v); twelve = true; break;
      case 'm': mi = Number(v); break;
      case 's': s = Number(v); break;
      case 'S': ms = Number((v + '00').slice(0, 3)); break;
      case 'a': pm = v[0].toLowerCase() === 'p'; break;
      case 'z':
        off = zoneOffset(v);
        if (off == null) return null;
        explicit = true;
        break;
      case 'E': break;
    }
  }
  if (twelve) {
    if (h < 1 || h > 12) return null;
    h = h % 12 + (pm ? 12 : 0);
  }
  if (off == null) off = parseOffset(ctx.timezone) ?? 540;
  let t: number | null;
  if (year != null) t = fromParts(year, mo, d, h, mi, s, ms, off);
  else {
    const ref = new Date(ctx.receivedAt + off * 60_000).getUTCFullYear();
    t = null;
    for (const y of [ref - 1, ref, ref + 1]) {
      const c = fromParts(y, mo, d, h, mi, s, ms, off);
      if (c != null && (t == null || Math.abs(c - ctx.receivedAt) < Math.abs(t - ctx.receivedAt))) t = c;
    }
  }
  return t == null ? null : { iso: toIso(t), zone: explicit ? 'explicit' : 'configured' };
}
