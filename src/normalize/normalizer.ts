import { createHash } from 'node:crypto';
import iconv from 'iconv-lite';
import type { FormatId, NormalizedAlert } from '../contracts/alert';
import type { AlertParser, ParseContext, ParseResult } from './parser';
import { PARSERS, parserFor } from './parsers';
import { parseSyslogHeader } from './syslog-header';

/**
 * Formats defined at run time (src/formats: `kind: LogFormat` documents). Built-ins always win:
 * a loaded id equal to a built-in one is refused where it loads, and `auto` tries built-ins first.
 */
export interface FormatLookup {
  /** A loaded format by id (built-ins are not asked for). */
  get(id: string): AlertParser | undefined;
  /** Loaded formats in the order `auto` tries them, after every built-in. */
  readonly detectOrder: readonly AlertParser[];
}

export interface NormalizeOptions extends ParseContext {
  /** A built-in format, `auto`, or a loaded format's id (looked up in `formats`). */
  format: FormatId;
  maxLineBytes: number;
  /** Loaded formats; without it only built-ins are known. */
  formats?: FormatLookup;
  /**
   * Hashed into the id instead of the line, for messages that are unique by receipt (syslog: listener,
   * sender, receive time, message number). Holds a NUL, which no accepted line does, so it never
   * collides with a content id.
   */
  identity?: string;
}

export type LineOutcome =
  | { line: number; kind: 'alert'; alert: NormalizedAlert }
  | { line: number; kind: 'skip'; reason: string }
  | { line: number; kind: 'reject'; error: string; raw: string };

/**
 * Deterministic alert id of HTTP lines: the same line from the same jurisdiction is the same alert
 * across posts, so a retried post stores nothing twice (see copyId for repeats within one body).
 */
export function fingerprint(jurisdiction: string, line: string): string {
  return createHash('sha256').update(jurisdiction).update('\0').update(line).digest('base64url').slice(0, 27);
}

/** Id of the n-th identical line (n ≥ 2) of one body: a distinct alert, and the same id again when the body is re-posted. */
export const copyId = (jurisdiction: string, firstId: string, n: number): string => fingerprint(jurisdiction, `${firstId}\0copy ${n}`);

/** Cut text to at most `maxBytes` of UTF-8 without splitting a character. */
export function boundUtf8(text: string, maxBytes: number): string {
  if (text.length * 3 <= maxBytes || Buffer.byteLength(text) <= maxBytes) return text;
  let cut = Buffer.from(text).subarray(0, maxBytes).toString('utf8');
  if (cut.endsWith('\uFFFD')) cut = cut.slice(0, -1);
  return cut;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decode bytes as UTF-8, falling back to EUC-KR/CP949, which Korean devices send. */
export function decodeText(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    return iconv.decode(Buffer.from(bytes), 'cp949');
  }
}

// C0 controls other than TAB (LEEF's delimiter), plus DEL.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\x00-\x08\x0A-\x1F\x7F]/;

/** Detect a line's format for `auto` (built-ins first, then loaded formats); null when no parser claims it. */
export function detectFormat(message: string, formats?: FormatLookup, program?: string | null): AlertParser | null {
  for (const p of PARSERS) if (p.detect(message)) return p;
  if (formats) for (const p of formats.detectOrder) if (p.detect(message, program)) return p;
  return null;
}

/** The parser of a named format: a built-in, else a loaded one. */
export const resolveFormat = (format: string, formats?: FormatLookup): AlertParser | undefined => parserFor(format) ?? formats?.get(format);

/** Normalize one line: strip a syslog header if any, pick the parser, parse, stamp the envelope. */
export function normalizeLine(raw: string, lineNo: number, opts: NormalizeOptions): LineOutcome {
  const fail = (error: string): LineOutcome => ({ line: lineNo, kind: 'reject', error, raw: boundUtf8(raw, opts.originalMaxBytes) });
  const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
  // A UTF-16 unit is at most 3 UTF-8 bytes: short lines skip the byte count.
  if (line.length * 3 > opts.maxLineBytes && Buffer.byteLength(line) > opts.maxLineBytes) return fail(`line longer than ${opts.maxLineBytes} bytes`);
  const bad = CONTROL.exec(line);
  if (bad) return fail(`control character 0x${bad[0].charCodeAt(0).toString(16).padStart(2, '0')} at column ${bad.index + 1}`);
  const trimmed = line.trim();
  if (!trimmed) return { line: lineNo, kind: 'skip', reason: 'empty line' };

  const envelope = trimmed.startsWith('{') ? null : parseSyslogHeader(trimmed, opts);
  const message = envelope ? envelope.message : trimmed;
  const parser = opts.format === 'auto' ? detectFormat(message, opts.formats, envelope?.program) : resolveFormat(opts.format, opts.formats);
  if (!parser) return fail(opts.format === 'auto' ? 'format not recognised (auto)' : `unknown format ${opts.format}`);

  let result: ParseResult;
  try {
    result = parser.parse(message, opts);
  } catch (e) {
    // Parsers must not throw; if one does, the line is still rejected, not the batch.
    result = { kind: 'reject', error: `parser ${parser.format} failed: ${(e as Error).message}` };
  }
  if (result.kind === 'reject') return fail(`${parser.format}: ${result.error}`);
  if (result.kind === 'skip') return { line: lineNo, kind: 'skip', reason: result.reason };

  const a = result.alert;
  if (envelope?.host && !a.observer.name) a.observer.name = envelope.host;
  if (a.timezone_source === 'received' && envelope?.time) {
    a.timestamp = envelope.time.iso;
    a.timezone_source = envelope.time.zone;
  }
  return {
    line: lineNo,
    kind: 'alert',
    alert: {
      id: fingerprint(opts.jurisdiction, opts.identity ?? trimmed),
      timestamp: a.timestamp,
      timezone_source: a.timezone_source,
      received: new Date(opts.receivedAt).toISOString(),
      jurisdiction: opts.jurisdiction,
      observer: a.observer,
      source: a.source,
      destination: a.destination,
      transport: a.transport,
      rule: a.rule,
      action: a.action,
      severity: a.severity,
      format: a.format,
      original: boundUtf8(trimmed, opts.originalMaxBytes),
    },
  };
}
