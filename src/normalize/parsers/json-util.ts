/** Small helpers for parsers of JSON formats. */

/** Deepest nesting of arrays and objects read from a line or body; alerts nest a handful of levels. */
export const MAX_JSON_DEPTH = 64;

const isWs = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
function skipWs(t: string, i: number): number {
  while (i < t.length && isWs(t.charCodeAt(i))) i++;
  return i;
}
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isHex = (c: number) => isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);

/** End of the string token opening at i, or -1 when it is not a valid JSON string. */
function skipString(t: string, i: number): number {
  for (let j = i + 1; j < t.length; j++) {
    const c = t.charCodeAt(j);
    if (c === 0x22) return j + 1;
    if (c < 0x20) return -1;
    if (c === 0x5c) {
      const e = t.charCodeAt(++j);
      if (e === 0x75 /* u */) {
        if (!(isHex(t.charCodeAt(j + 1)) && isHex(t.charCodeAt(j + 2)) && isHex(t.charCodeAt(j + 3)) && isHex(t.charCodeAt(j + 4)))) return -1;
        j += 4;
      } else if (!'"\\/bfnrt'.includes(t[j] ?? 'x')) return -1;
    }
  }
  return -1;
}

/** End of the number token at i (-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?), or -1. */
function skipNumber(t: string, i: number): number {
  if (t.charCodeAt(i) === 0x2d) i++;
  if (t.charCodeAt(i) === 0x30) i++;
  else if (isDigit(t.charCodeAt(i))) while (isDigit(t.charCodeAt(i))) i++;
  else return -1;
  if (t.charCodeAt(i) === 0x2e) {
    if (!isDigit(t.charCodeAt(++i))) return -1;
    while (isDigit(t.charCodeAt(i))) i++;
  }
  if ((t.charCodeAt(i) | 0x20) === 0x65) {
    i++;
    if (t.charCodeAt(i) === 0x2b || t.charCodeAt(i) === 0x2d) i++;
    if (!isDigit(t.charCodeAt(i))) return -1;
    while (isDigit(t.charCodeAt(i))) i++;
  }
  return i;
}

const unexpected = (t: string, i: number) => (i >= t.length ? `unexpected end of input at position ${i}` : `unexpected ${JSON.stringify(t[i])} at position ${i}`);

/** An object key and its colon at i: the position of the value, or why not. */
function skipKey(t: string, i: number): number | string {
  if (t.charCodeAt(i) !== 0x22) return unexpected(t, i);
  const end = skipString(t, i);
  if (end < 0) return `bad string at position ${i}`;
  const colon = skipWs(t, end);
  if (t.charCodeAt(colon) !== 0x3a) return unexpected(t, colon);
  return skipWs(t, colon + 1);
}

/**
 * Why `text` is not JSON (RFC 8259), or null when it is. Iterative, allocation-free and bounded in
 * depth: garbage lines are refused for the price of a scan instead of a thrown SyntaxError each
 * (the dominant cost of a body of millions of bad lines), and no value deep enough to overflow
 * JSON.stringify or a recursive walker is ever parsed.
 */
export function jsonSyntaxError(text: string, maxDepth = MAX_JSON_DEPTH): string | null {
  const n = text.length;
  const closers: number[] = [];
  let i = skipWs(text, 0);
  value: for (;;) {
    const c = text.charCodeAt(i);
    if (c === 0x7b || c === 0x5b) {
      if (closers.length === maxDepth) return `nested deeper than ${maxDepth} levels`;
      const closer = c === 0x7b ? 0x7d : 0x5d;
      i = skipWs(text, i + 1);
      if (text.charCodeAt(i) === closer) i++;
      else {
        closers.push(closer);
        if (closer === 0x7d) {
          const k = skipKey(text, i);
          if (typeof k === 'string') return k;
          i = k;
        }
        continue value;
      }
    } else if (c === 0x22) {
      const end = skipString(text, i);
      if (end < 0) return `bad string at position ${i}`;
      i = end;
    } else if (c === 0x2d || isDigit(c)) {
      const end = skipNumber(text, i);
      if (end < 0) return `bad number at position ${i}`;
      i = end;
    } else if (text.startsWith('true', i) || text.startsWith('null', i)) i += 4;
    else if (text.startsWith('false', i)) i += 5;
    else return unexpected(text, i);
    // After a value: close containers, or a comma and the next value (a key first in an object).
    for (;;) {
      i = skipWs(text, i);
      if (!closers.length) return i === n ? null : unexpected(text, i);
      const closer = closers[closers.length - 1];
      const d = text.charCodeAt(i);
      if (d === closer) {
        closers.pop();
        i++;
        continue;
      }
      if (d !== 0x2c) return unexpected(text, i);
      i = skipWs(text, i + 1);
      if (closer === 0x7d) {
        const k = skipKey(text, i);
        if (typeof k === 'string') return k;
        i = k;
      }
      continue value;
    }
  }
}

/** Whether a parsed value nests deeper than maxDepth (iterative: the value may be 100k deep). */
function deeperThan(value: unknown, maxDepth: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  const stack: [object, number][] = [[value, 1]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (d > maxDepth) return true;
    for (const c of Array.isArray(v) ? v : Object.values(v)) if (c !== null && typeof c === 'object') stack.push([c, d + 1]);
  }
  return false;
}

/**
 * Recent share of failed parses, decayed per call. A thrown SyntaxError costs several times a
 * parse, so while failures are rare (real traffic) JSON.parse goes first and good lines pay
 * nothing extra; once a stream of garbage arrives, the validator goes first and refuses each bad
 * line without a throw.
 */
let recentFailures = 0;

/** JSON text → value, or why not; never throws, and refuses values nested deeper than MAX_JSON_DEPTH. */
export function parseJson(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  recentFailures *= 0.99;
  if (recentFailures > 1) {
    const why = jsonSyntaxError(text);
    if (why) {
      recentFailures++;
      return { ok: false, error: why };
    }
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    recentFailures++;
    return { ok: false, error: jsonSyntaxError(text) ?? (e as Error).message };
  }
  if (deeperThan(value, MAX_JSON_DEPTH)) return { ok: false, error: `nested deeper than ${MAX_JSON_DEPTH} levels` };
  return { ok: true, value };
}

/** Parse one line of a JSON format. */
export function tryJson(line: string): { ok: true; value: unknown } | { ok: false; error: string } {
  const text = line.trim();
  const parsed = parseJson(text);
  if (parsed.ok) return parsed;
  if (text[0] === '{' && parsed.error.startsWith('unexpected end')) return { ok: false, error: `invalid JSON: ${parsed.error} (truncated line?)` };
  return { ok: false, error: `invalid JSON: ${parsed.error}` };
}

export const asRecord = (v: unknown): Record<string, unknown> | null =>
  v != null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;

/** A non-empty string, or a number shown as text; anything else is null. */
export function str(v: unknown): string | null {
  if (typeof v === 'string') return v.length ? v : null;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return null;
}
