import * as fs from 'node:fs';
import * as path from 'node:path';
import { NormalizedAlert, type AlertFormat } from '../contracts/alert';
import { decodeText, normalizeLine, type NormalizeOptions } from './normalizer';

/**
 * Every line of every *.log file in the shared corpus of real sensor lines (../shared/corpus
 * beside the repository) must normalize, with `auto` detection, to a valid alert or to a skip
 * (non-alert records such as EVE flow/stats). A reject here means a parser or the detection
 * order fails on a real device's output. Without the corpus the suite is reported as skipped.
 */
const CORPUS = path.resolve(__dirname, '../../../shared/corpus');

const opts: NormalizeOptions = {
  format: 'auto',
  jurisdiction: 'test',
  receivedAt: Date.parse('2025-11-10T00:00:00Z'),
  timezone: '+09:00',
  originalMaxBytes: 4096,
  maxLineBytes: 65536,
};

/** Files whose format is known (see the corpus README): `auto` must pick that parser for their alerts. */
const EXPECTED_FORMAT: Record<string, AlertFormat> = {
  'crowdsec-hub/suricata-eve-detect.log': 'suricata-eve',
  'crowdsec-hub/suricata-logs-evelog.log': 'suricata-eve',
  'crowdsec-hub/suricata-logs-fastlog.log': 'snort-fast',
  'crowdsec-hub/cef-logs.log': 'cef',
  'crowdsec-hub/unifi-cef.log': 'cef',
  'crowdsec-hub/fortinet-vpn-bf.log': 'fortigate',
  'crowdsec-hub/modsecurity.log': 'modsecurity',
  'crowdsec-hub/pfsense-rfc5424-filterlog.log': 'pf',
  'crowdsec-hub/iptables-scan-multi-port.log': 'netfilter',
};

function logFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...logFiles(full));
    else if (entry.isFile() && entry.name.endsWith('.log')) out.push(full);
  }
  return out.sort();
}

/** The file's lines, decoded as ingest decodes bytes; a final newline does not make an extra line. */
function readLines(file: string): string[] {
  const lines = decodeText(fs.readFileSync(file)).split('\n');
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

const files = fs.existsSync(CORPUS) ? logFiles(CORPUS) : [];

if (files.length === 0) {
  describe.skip(`shared corpus (${CORPUS} not found or holds no *.log)`, () => {
    test('every corpus line normalizes to an alert or a skip', () => undefined);
  });
} else {
  describe('shared corpus: every line normalizes (auto) to a valid alert or a counted skip', () => {
    test.each(files.map((f) => [path.relative(CORPUS, f), f]))('%s', (rel, file) => {
      const lines = readLines(file);
      const problems: string[] = [];
      const skips: Record<string, number> = {};
      let alerts = 0;
      lines.forEach((raw, i) => {
        const out = normalizeLine(raw, i + 1, opts);
        const where = `${rel}:${i + 1}`;
        if (out.kind === 'reject') {
          problems.push(`${where}: rejected: ${out.error}`);
        } else if (out.kind === 'skip') {
          skips[out.reason] = (skips[out.reason] ?? 0) + 1;
        } else {
          alerts++;
          const check = NormalizedAlert.safeParse(out.alert);
          if (!check.success) problems.push(`${where}: invalid alert: ${check.error.message}`);
          const expected = EXPECTED_FORMAT[rel.split(path.sep).join('/')];
          if (expected && out.alert.format !== expected) problems.push(`${where}: detected as ${out.alert.format}, expected ${expected}`);
        }
      });
      const skipped = Object.values(skips).reduce((a, b) => a + b, 0);
      expect({ file: rel, problems }).toEqual({ file: rel, problems: [] });
      // Every line is accounted for: alerts plus counted skips.
      expect({ lines: lines.length, alerts, skipped, skips }).toEqual({ lines: alerts + skipped, alerts, skipped, skips });
    });
  });
}
