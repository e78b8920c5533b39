import path from 'node:path';
import { normalizeLine, type FormatLookup, type NormalizeOptions } from '../src/normalize/normalizer';
import { loadFormatPaths } from '../src/formats/load';
import { stat } from './support';

/**
 * LogFormat speed: the FortiGate definition in formats/fortigate-kv.yaml against the hand-written
 * `fortigate` parser, on the same lines, through the same normalizeLine (syslog PRI, envelope, id).
 * In process, one core; the best of several rounds. Target: the LogFormat at ≥ 50 % of the built-in.
 */
const LINES = 50_000;
const ROUNDS = 5;

const loaded = loadFormatPaths([path.resolve(__dirname, '../formats')]);
if (loaded.errors.length) throw new Error(`formats/ did not load: ${JSON.stringify(loaded.errors)}`);
const formats: FormatLookup = { get: (id) => loaded.formats.find((f) => f.format.format === id)?.format, detectOrder: [] };

const lines = Array.from({ length: LINES }, (_, i) => {
  const ip = `198.51.${(i >> 8) & 255}.${i & 255}`;
  return i % 4 === 3
    ? `<189>date=2024-05-14 time=10:${String(i % 60).padStart(2, '0')}:00 devname="FGT60F" devid="FGT60FTK2209" logid="0000000013" type="traffic" subtype="forward" level="notice" vd="root" srcip=${ip} srcport=${1024 + (i % 60000)} dstip=10.0.0.5 dstport=443 proto=6 action="accept" policyid=1 service="HTTPS" sentbyte=1200 rcvdbyte=5400`
    : `<185>date=2024-05-14 time=10:21:${String(i % 60).padStart(2, '0')} devname="FGT60F" devid="FGT60FTK2209" logid="0419016384" type="utm" subtype="ips" eventtype="signature" level="alert" vd="root" eventtime=1715649693123456789 tz="+0900" severity="high" srcip=${ip} srcport=${1024 + (i % 60000)} dstip=10.0.0.5 dstport=80 proto=6 action="dropped" service="HTTP" attack="Apache.Log4j.Error.Log.Remote.Code.Execution" attackid=51006 msg="web_misc: Apache.Log4j.Error.Log.Remote.Code.Execution,"`;
});

function rate(format: string): number {
  const opts: NormalizeOptions = { format, formats, jurisdiction: 'bench', receivedAt: Date.now(), timezone: '+09:00', originalMaxBytes: 4096, maxLineBytes: 65536 };
  let best = 0;
  for (let r = 0; r < ROUNDS; r++) {
    let alerts = 0;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < lines.length; i++) if (normalizeLine(lines[i], i + 1, opts).kind === 'alert') alerts++;
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    if (alerts !== (LINES * 3) / 4) throw new Error(`${format}: ${alerts} alerts, expected ${(LINES * 3) / 4}`);
    best = Math.max(best, lines.length / s);
  }
  return best;
}

const hand = rate('fortigate');
const data = rate('fortigate-kv');
stat('formats.fortigate.builtin_lines_per_s', Math.round(hand), `${LINES} lines (3/4 IPS alerts, 1/4 traffic skipped), best of ${ROUNDS}`);
stat('formats.fortigate.logformat_lines_per_s', Math.round(data), 'formats/fortigate-kv.yaml, same lines');
stat('formats.fortigate.logformat_vs_builtin', `${((data / hand) * 100).toFixed(0)}%`, 'target ≥ 50%');
