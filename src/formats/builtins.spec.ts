import * as fs from 'node:fs';
import * as path from 'node:path';
import { decodeText, normalizeLine, type FormatLookup, type NormalizeOptions } from '../normalize/normalizer';
import { parseSyslogHeader } from '../normalize/syslog-header';
import { parserFor } from '../normalize/parsers';
import { formatLoadError } from '../playbooks/loader/loader';
import { loadFormatPaths } from './load';

/**
 * The built-ins re-expressed in formats/*.yaml must read what the hand-written parsers read, field by
 * field: every line the hand-written parser's spec writes out (its string literals that the parser
 * recognises or reads) and every line of the shared corpus files of that format.
 */
const ROOT = path.resolve(__dirname, '../..');
const CORPUS = path.resolve(ROOT, '../shared/corpus');

const PAIRS = [
  { builtIn: 'fortigate', loaded: 'fortigate-kv', spec: 'fortigate.parser.spec.ts', corpus: ['crowdsec-hub/fortinet-vpn-bf.log'] },
  { builtIn: 'netfilter', loaded: 'netfilter-log', spec: 'netfilter.parser.spec.ts', corpus: ['crowdsec-hub/iptables-scan-multi-port.log'] },
  { builtIn: 'pf', loaded: 'pf-filterlog', spec: 'pf.parser.spec.ts', corpus: ['crowdsec-hub/pfsense-rfc5424-filterlog.log'] },
] as const;

const loaded = loadFormatPaths([path.join(ROOT, 'formats')]);
const lookup: FormatLookup = { get: (id) => loaded.formats.find((f) => f.format.format === id)?.format, detectOrder: loaded.formats.map((f) => f.format) };

/** Single-quoted string literals of a spec file, unescaped (template literals and concatenations are left out). */
function literals(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  return [...text.matchAll(/'((?:[^'\\\n]|\\.)*)'/g)].map((m) => m[1].replace(/\\(.)/g, (_, c: string) => ({ n: '\n', t: '\t', r: '\r' })[c] ?? c)).filter((s) => s.length > 20);
}

const corpusLines = (rel: string) => {
  const f = path.join(CORPUS, rel);
  return fs.existsSync(f) ? decodeText(fs.readFileSync(f)).split('\n').filter((l) => l.trim()) : [];
};

const base: Omit<NormalizeOptions, 'format'> = { jurisdiction: 'test', receivedAt: Date.parse('2025-11-10T00:00:00Z'), timezone: '+09:00', originalMaxBytes: 4096, maxLineBytes: 65536, formats: lookup };

test('formats/*.yaml load without errors', () => {
  expect(loaded.errors.map(formatLoadError)).toEqual([]);
  expect(loaded.formats.map((f) => f.format.format).sort()).toEqual(expect.arrayContaining(PAIRS.map((p) => p.loaded)));
});

describe.each(PAIRS)('$loaded reads what the built-in $builtIn reads', ({ builtIn, loaded: id, spec, corpus }) => {
  const parser = parserFor(builtIn)!;
  const fromSpec = literals(path.join(__dirname, '../normalize/parsers', spec)).filter((l) => {
    const msg = parseSyslogHeader(l.trim(), base).message;
    return parser.detect(msg) || parser.parse(msg, base).kind !== 'reject';
  });
  const lines = [...new Set([...fromSpec, ...corpus.flatMap(corpusLines)])];

  test('the cases are many', () => {
    expect(fromSpec.length).toBeGreaterThan(3);
  });

  test('same outcome; for alerts, every normalized field but the format name', () => {
    const diffs: string[] = [];
    const counts = { alert: 0, skip: 0, reject: 0 };
    for (const line of lines) {
      const hand = normalizeLine(line, 1, { ...base, format: builtIn });
      const data = normalizeLine(line, 1, { ...base, format: id });
      counts[hand.kind]++;
      if (hand.kind !== data.kind) {
        diffs.push(`${line.slice(0, 120)}\n  built-in: ${JSON.stringify(hand)}\n  LogFormat: ${JSON.stringify(data)}`);
        continue;
      }
      if (hand.kind === 'alert' && data.kind === 'alert') {
        const { format: f1, ...a } = hand.alert;
        const { format: f2, ...b } = data.alert;
        expect([f1, f2]).toEqual([builtIn, id]);
        for (const k of Object.keys(a) as Array<keyof typeof a>)
          if (JSON.stringify(a[k]) !== JSON.stringify(b[k])) diffs.push(`${line.slice(0, 120)}\n  ${k}: built-in ${JSON.stringify(a[k])}, LogFormat ${JSON.stringify(b[k])}`);
      }
    }
    expect(diffs).toEqual([]);
    expect(counts.alert).toBeGreaterThan(0);
  });

  test('auto picks the LogFormat for its lines when the built-in is not there to win', () => {
    const own = loaded.formats.find((f) => f.format.format === id)!.format;
    for (const line of lines) {
      const env = parseSyslogHeader(line.trim(), base);
      if (normalizeLine(line, 1, { ...base, format: builtIn }).kind === 'alert') expect([line, own.detect(env.message, env.program)]).toEqual([line, true]);
    }
  });
});
