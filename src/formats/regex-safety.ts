/**
 * A conservative check against catastrophic (exponential) backtracking, run on every regex of a
 * format at load: an unbounded quantifier (`*`, `+`, `{n,}`, `{n,m}` with m > 32) may not apply to
 * a group that itself holds an unbounded quantifier or an alternation — `(a+)+`, `(\w*\s?)*`,
 * `(a|ab)*`. Such patterns are refused even when they happen to be safe: an officer rewrites them
 * (`[^"]*` instead of `(?:[^"\\]|\\.)*`). Polynomial backtracking (`.*a.*b`) is bounded by the
 * format's `maxLineLength`, checked before any regex runs.
 */

export interface RegexProblem {
  message: string;
  /** Offset in the regex source of the quantifier that repeats the group. */
  offset: number;
}

interface Frame {
  /** The group holds an unbounded quantifier or an alternation somewhere inside. */
  risky: boolean;
  start: number;
}

/** Length of a quantifier at `i` and whether it is unbounded; null when there is none. */
function quantifierAt(src: string, i: number): { length: number; unbounded: boolean } | null {
  const c = src[i];
  let length: number;
  let unbounded = false;
  if (c === '*' || c === '+') [length, unbounded] = [1, true];
  else if (c === '?') length = 1;
  else if (c === '{') {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(src.slice(i, i + 24));
    if (!m) return null;
    length = m[0].length;
    unbounded = m[2] !== undefined && (m[3] === '' || Number(m[3]) > 32);
  } else return null;
  if (src[i + length] === '?' || src[i + length] === '+') length++; // lazy (possessive is not JS, but harmless to skip)
  return { length, unbounded };
}

export function checkRegexSafety(src: string): RegexProblem | null {
  const stack: Frame[] = [{ risky: false, start: 0 }];
  let i = 0;
  // What the next quantifier would apply to: a closed group (and whether it was risky) or a single atom.
  let lastGroupRisky: boolean | null = null;
  while (i < src.length) {
    const c = src[i];
    if (c === '\\') {
      i += 2;
      lastGroupRisky = null;
      continue;
    }
    if (c === '[') {
      i++;
      if (src[i] === '^') i++;
      if (src[i] === ']') i++;
      while (i < src.length && src[i] !== ']') i += src[i] === '\\' ? 2 : 1;
      i++;
      lastGroupRisky = null;
      continue;
    }
    if (c === '(') {
      stack.push({ risky: false, start: i });
      i++;
      if (src[i] === '?') {
        // (?: (?= (?! (?<= (?<! (?<name>
        i++;
        if (src[i] === '<' && src[i + 1] !== '=' && src[i + 1] !== '!') {
          const close = src.indexOf('>', i);
          i = close < 0 ? src.length : close + 1;
        } else i++;
      }
      lastGroupRisky = null;
      continue;
    }
    if (c === ')') {
      const f = stack.length > 1 ? stack.pop()! : stack[0];
      lastGroupRisky = f.risky;
      if (f.risky) stack[stack.length - 1].risky = true;
      i++;
      continue;
    }
    if (c === '|') {
      stack[stack.length - 1].risky = true;
      i++;
      lastGroupRisky = null;
      continue;
    }
    const q = quantifierAt(src, i);
    if (q) {
      if (q.unbounded) {
        if (lastGroupRisky) return { message: 'nested repetition: a repeated group holds a repetition or an alternation (catastrophic backtracking)', offset: i };
        stack[stack.length - 1].risky = true;
      }
      i += q.length;
      lastGroupRisky = null;
      continue;
    }
    i++;
    lastGroupRisky = null;
  }
  return null;
}
