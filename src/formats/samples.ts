import type { NormalizedAlert } from '../contracts/alert';
import { normalizeLine, type FormatLookup, type LineOutcome } from '../normalize/normalizer';
import type { AlertParser } from '../normalize/parser';
import { parseSyslogHeader } from '../normalize/syslog-header';
import type { CompiledFormat } from './compile';
import { EXPECT_FIELDS, type Sample } from './logformat.schema';

export const SAMPLE_RECEIVED = '2025-06-15T00:00:00.000Z';

export interface SampleResult {
  index: number;
  ok: boolean;
  outcome: 'alert' | 'skip' | 'reject';
  /** The alert's normalized fields (dotted), or the skip/reject reason. */
  fields?: Record<string, string | number | null>;
  reason?: string;
  failures: Array<{ field: string; expected: unknown; got: unknown; message: string }>;
}

const lookupOf = (f: AlertParser): FormatLookup => ({ get: (id) => (id === f.format ? f : undefined), detectOrder: [f] });

/** The normalized alert's fields by their dotted names. */
export function flatten(a: NormalizedAlert): Record<string, string | number | null> {
  return {
    timestamp: a.timestamp,
    timezone_source: a.timezone_source,
    'observer.vendor': a.observer.vendor,
    'observer.product': a.observer.product,
    'observer.name': a.observer.name,
    'source.ip': a.source.ip,
    'source.port': a.source.port,
    'destination.ip': a.destination.ip,
    'destination.port': a.destination.port,
    transport: a.transport,
    'rule.id': a.rule.id,
    'rule.name': a.rule.name,
    'rule.category': a.rule.category,
    'action.value': a.action.value,
    'action.raw': a.action.raw,
    'severity.id': a.severity.id,
    'severity.raw': a.severity.raw,
    format: a.format,
  };
}

/** Normalize one sample line as ingest would (syslog header, then this format), with the sample's receive time and zone. */
export function runLine(f: CompiledFormat, line: string, opts: { received?: string; timezone?: string } = {}): LineOutcome {
  return normalizeLine(line, 1, {
    format: f.format,
    formats: lookupOf(f),
    jurisdiction: 'sample',
    receivedAt: Date.parse(opts.received ?? SAMPLE_RECEIVED),
    timezone: opts.timezone ?? '+09:00',
    originalMaxBytes: 4096,
    maxLineBytes: 65536,
  });
}

const KNOWN: ReadonlySet<string> = new Set(EXPECT_FIELDS);

/** Run one sample: the outcome it asks for, each expected field, and — when the format has a `match` — recognition by `auto`. */
export function runSample(f: CompiledFormat, s: Sample, index: number): SampleResult {
  const out = runLine(f, s.line, s);
  const failures: SampleResult['failures'] = [];
  const want = s.reject !== undefined ? 'reject' : s.skip !== undefined ? 'skip' : 'alert';
  const base = { index, outcome: out.kind } as const;
  if (out.kind !== 'alert') {
    const reason = out.kind === 'skip' ? out.reason : out.error;
    const needle = out.kind === 'skip' ? s.skip : s.reject;
    if (out.kind !== want) failures.push({ field: '(outcome)', expected: want, got: out.kind, message: `expected ${want === 'alert' ? 'an alert' : `a ${want}`}, got a ${out.kind}: ${reason}` });
    else if (typeof needle === 'string' && !reason.includes(needle)) failures.push({ field: `(${want} reason)`, expected: needle, got: reason, message: `the ${want} reason ${JSON.stringify(reason)} does not contain ${JSON.stringify(needle)}` });
    return { ...base, ok: failures.length === 0, reason, failures };
  }
  const fields = flatten(out.alert);
  if (want !== 'alert') failures.push({ field: '(outcome)', expected: want, got: 'alert', message: `expected a ${want}, got an alert` });
  for (const [field, expected] of Object.entries(s.expect ?? {})) {
    if (!KNOWN.has(field)) {
      failures.push({ field, expected, got: undefined, message: `unknown normalized field ${JSON.stringify(field)}` });
      continue;
    }
    const got = fields[field];
    const same = expected === null ? got === null : got !== null && String(got) === String(expected);
    if (!same) failures.push({ field, expected, got, message: `${field}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(got)}` });
  }
  const m = f.doc.match;
  if (m && (m.program || m.prefix || m.regex)) {
    const env = parseSyslogHeader(s.line.trim(), { receivedAt: Date.parse(SAMPLE_RECEIVED), timezone: '+09:00' });
    if (!f.detect(env.message, env.program)) failures.push({ field: '(match)', expected: true, got: false, message: 'match: does not recognise this line, so format=auto would not pick this format' });
  }
  return { ...base, ok: failures.length === 0, fields, failures };
}
