import { badRequest } from '../infra/http/problem';
import type { FormatId } from '../contracts/alert';
import { decodeText } from '../normalize/normalizer';
import { MAX_JSON_DEPTH, parseJson } from '../normalize/parsers/json-util';

/** Where a syslog message came from: its rejects are identified by it, and its alerts get ids of their own. */
export interface LineOrigin {
  listener: string;
  sender: string;
  /** Receive time, ms since epoch. */
  receivedAt: number;
  /** Unique per received message for the life of this process (a boot nonce and a sequence number). */
  messageId: string;
}

export interface BodyLine {
  line: number;
  text: string;
  /** Set when the body's framing already condemned the line (an array element that is not JSON). */
  error?: string;
  /** Set for syslog messages. */
  origin?: LineOrigin;
}

/** Formats whose lines are JSON: a body in one of them that starts with '[' is a JSON array. */
const JSON_FORMATS: ReadonlySet<FormatId> = new Set<FormatId>(['suricata-eve', 'snort-json', 'ecs']);

/** application/json or a +json type (not NDJSON, which is lines). */
const isJsonType = (contentType: string | undefined) => /^\s*application\/(?:[\w.-]+\+)?json\s*(?:;|$)/i.test(contentType ?? '');

const isWhitespace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
function skipWhitespace(body: Buffer, i: number): number {
  while (i < body.length && isWhitespace(body[i])) i++;
  return i;
}

/**
 * Split an ingest body into lines, lazily (a 16 MiB body is never held as an array of lines): a JSON
 * array, one element per alert, when it starts with '[' and the content type or the format says JSON;
 * otherwise raw lines / NDJSON, so ModSecurity error logs and Snort bodies (`[1:2008578:4] …`) are
 * lines. An array's framing is checked whole first: a broken or too deeply nested array is a 400 that
 * names the element and line, before anything is queued.
 */
export function splitBody(body: Buffer, declared: { contentType?: string; format: FormatId }): Iterable<BodyLine> {
  const open = skipWhitespace(body, 0);
  if (body[open] !== 0x5b /* [ */ || !(isJsonType(declared.contentType) || JSON_FORMATS.has(declared.format))) return textLines(body);
  const check = new JsonArrayScanner(body, open);
  while (check.next());
  return jsonArrayLines(body, open);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Lines of a text body. A body that is UTF-8 throughout is decoded once and sliced; otherwise each
 * line is decoded on its own, so one EUC-KR line does not garble its UTF-8 neighbours.
 */
function* textLines(body: Buffer): Generator<BodyLine> {
  let whole: string | null;
  try {
    whole = utf8.decode(body);
  } catch {
    whole = null;
  }
  let from = 0;
  let no = 1;
  if (whole !== null) {
    for (;;) {
      const lf = whole.indexOf('\n', from);
      if (lf < 0) {
        if (from < whole.length) yield { line: no, text: whole.slice(from) };
        return;
      }
      yield { line: no++, text: whole.slice(from, lf) };
      from = lf + 1;
    }
  }
  for (;;) {
    const lf = body.indexOf(0x0a, from);
    if (lf < 0) {
      if (from < body.length) yield { line: no, text: decodeText(body.subarray(from)) };
      return;
    }
    yield { line: no++, text: decodeText(body.subarray(from, lf)) };
    from = lf + 1;
  }
}

/** Elements of a JSON array body, each re-serialized on one line (a string element is the line itself). */
function* jsonArrayLines(body: Buffer, open: number): Generator<BodyLine> {
  const scan = new JsonArrayScanner(body, open);
  for (let el = scan.next(); el; el = scan.next()) {
    const text = decodeText(body.subarray(el.start, el.end)).trim();
    const parsed = parseJson(text);
    if (!parsed.ok) yield { line: el.index, text, error: `invalid JSON: ${parsed.error}` };
    else yield { line: el.index, text: typeof parsed.value === 'string' ? parsed.value : JSON.stringify(parsed.value) };
  }
}

/**
 * Finds the top-level elements of a JSON array in bytes, without recursion: strings, brackets and
 * commas only (each element's own syntax is checked when it is read). Depth is bounded, so no
 * element can overflow the stack of JSON.stringify or a parser.
 */
class JsonArrayScanner {
  private at: number;
  private line = 1;
  private index = 0;
  private done = false;

  constructor(private readonly body: Buffer, open: number) {
    for (let i = 0; i < open; i++) if (body[i] === 0x0a) this.line++;
    this.at = open + 1;
  }

  /** The next element's byte span, or null after the closing ']'. */
  next(): { start: number; end: number; index: number } | null {
    if (this.done) return null;
    const b = this.body;
    const start = this.at;
    const index = ++this.index;
    const closers: number[] = [];
    let inString = false;
    for (let i = start; i < b.length; i++) {
      const c = b[i];
      if (inString) {
        if (c === 0x5c) i++;
        else if (c === 0x22) inString = false;
        else if (c === 0x0a) this.line++;
        continue;
      }
      if (c === 0x22) inString = true;
      else if (c === 0x0a) this.line++;
      else if (c === 0x5b || c === 0x7b) {
        if (closers.length === MAX_JSON_DEPTH) throw this.fail(`element ${index} (line ${this.line}) is nested deeper than ${MAX_JSON_DEPTH} levels`);
        closers.push(c === 0x5b ? 0x5d : 0x7d);
      } else if (c === 0x5d || c === 0x7d) {
        if (closers.length) {
          if (closers.pop() !== c) throw this.fail(`element ${index} (line ${this.line}): unexpected '${String.fromCharCode(c)}'`);
        } else if (c === 0x7d) throw this.fail(`element ${index} (line ${this.line}): unexpected '}'`);
        else {
          this.done = true;
          if (skipWhitespace(b, i + 1) < b.length) throw this.fail(`text after the closing ']' (line ${this.line})`);
          return index === 1 && skipWhitespace(b, start) === i ? null : { start, end: i, index };
        }
      } else if (c === 0x2c /* , */ && !closers.length) {
        this.at = i + 1;
        return { start, end: i, index };
      }
    }
    throw this.fail(inString ? `element ${index} (line ${this.line}): unterminated string` : `no closing ']' (element ${index}, line ${this.line})`);
  }

  private fail(why: string) {
    return badRequest(`body: not a valid JSON array: ${why}`);
  }
}
