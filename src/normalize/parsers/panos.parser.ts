import { canonicalIp, parsePort, transportName } from '../ip';
import { AlertParser, ok, reject, skip, type ParseContext } from '../parser';
import { fromWord } from '../severity';
import { fromParts, parseIsoLike, parseOffset, type TimeResult } from '../time';

/**
 * One CSV record: fields separated by commas; a field that starts with `"` runs to the closing
 * quote, with `""` standing for one quote (and commas inside kept). Linear, no regex.
 */
export function splitCsv(line: string): { ok: true; fields: string[] } | { ok: false; error: string } {
  const fields: string[] = [];
  const n = line.length;
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let buf = '';
      let from = i + 1;
      let j = from;
      let closed = false;
      for (; j < n; j++) {
        if (line[j] !== '"') continue;
        if (line[j + 1] === '"') {
          buf += line.slice(from, j + 1);
          j++;
          from = j + 1;
        } else {
          closed = true;
          break;
        }
      }
      if (!closed) return { ok: false, error: `csv: unterminated quoted field at column ${fields.length + 1} (truncated line?)` };
      buf += line.slice(from, j);
      // Anything between the closing quote and the next comma is kept (lenient).
      const comma = line.indexOf(',', j + 1);
      const tail = comma < 0 ? line.slice(j + 1) : line.slice(j + 1, comma);
      fields.push(buf + tail);
      if (comma < 0) break;
      i = comma + 1;
    } else {
      const comma = line.indexOf(',', i);
      if (comma < 0) {
        fields.push(line.slice(i));
        break;
      }
      fields.push(line.slice(i, comma));
      i = comma + 1;
    }
  }
  return { ok: true, fields };
}

// Column positions in the THREAT log (0-based), stable since PAN-OS 6; later versions only append.
const COL = {
  receiveTime: 1, serial: 2, type: 3, subtype: 4, generatedTime: 6, src: 7, dst: 8, rule: 11, app: 14,
  sport: 24, dport: 25, proto: 29, action: 30, threat: 32, category: 33, severity: 34, direction: 35,
} as const;
const MIN_THREAT_COLUMNS = COL.direction + 1;

const LOG_TYPES = 'THREAT|TRAFFIC|SYSTEM|CONFIG|HIPMATCH|HIP-MATCH|GLOBALPROTECT|URL|DATA|WILDFIRE|USERID|AUTHENTICATION|DECRYPTION|TUNNEL|GTP|SCTP|IPTAG|CORRELATION';
const DETECT = new RegExp(`^\\d*,\\d{4}\\/\\d{2}\\/\\d{2} \\d{2}:\\d{2}:\\d{2},[^,]*,(?:${LOG_TYPES}),`);

/** "2024/01/15 10:00:00" in the device's (configured) zone; ISO text with an offset is taken as explicit. */
function panTime(text: string, ctx: ParseContext): TimeResult | null {
  const m = /^(\d{4})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(text.trim());
  if (!m) return /^\d{4}-/.test(text.trim()) ? parseIsoLike(text, ctx.timezone) : null;
  const t = fromParts(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6], 0, parseOffset(ctx.timezone) ?? 540);
  return t == null ? null : { iso: new Date(t).toISOString(), zone: 'configured' };
}

/** "Name (CVE-x) thing(41978)" → name and the LAST "(digits)" as id. */
export function splitThreatName(text: string): { name: string | null; id: string | null } {
  const t = text.trim();
  // One backward pass: remember the nearest ")" and whether only digits lie between it and here.
  let at = -1;
  let idEnd = -1;
  let close = -1;
  let digitsOnly = false;
  for (let i = t.length - 1; i >= 0; i--) {
    const c = t.charCodeAt(i);
    if (c === 41 /* ) */) {
      close = i;
      digitsOnly = true;
    } else if (c === 40 /* ( */) {
      if (digitsOnly && close > i + 1) {
        at = i;
        idEnd = close;
        break;
      }
      digitsOnly = false;
    } else if (c < 48 || c > 57) digitsOnly = false;
  }
  if (at < 0) return { name: t || null, id: null };
  const name = (t.slice(0, at) + t.slice(idEnd + 1)).trim();
  return { name: name || null, id: t.slice(at + 1, idEnd) };
}

function actionValue(raw: string): 'allowed' | 'blocked' | 'unknown' {
  const a = raw.trim().toLowerCase();
  if (a === 'alert' || a === 'allow' || a === 'allowed') return 'allowed';
  if (a === 'deny' || a === 'drop' || a === 'sinkhole' || a === 'random-drop' || a.startsWith('drop-') || a.startsWith('reset-') || a.startsWith('block')) return 'blocked';
  return 'unknown';
}

/** Category column values that say nothing about the threat. */
const NO_CATEGORY = new Set(['', 'any', 'not-resolved', 'unknown']);

/** PAN-OS syslog CSV: THREAT rows are alerts (except URL-filtering rows); TRAFFIC, SYSTEM, CONFIG ... are skipped. */
export const panosParser: AlertParser = {
  format: 'panos',
  detect: (line) => DETECT.test(line),
  parse(line, ctx) {
    const split = splitCsv(line.trim());
    if (!split.ok) return reject(split.error);
    const f = split.fields.map((v) => v.trim());
    if (f.length <= COL.type) return reject(`field type: missing (only ${f.length} columns)`);
    const type = f[COL.type].toUpperCase();
    if (!/^[A-Z-]{2,20}$/.test(type)) return reject(`field type: not a PAN-OS log type (${JSON.stringify(f[COL.type].slice(0, 32))})`);
    if (type !== 'THREAT') return skip(`panos ${type} log is not an alert`);
    const subtype = f[COL.subtype]?.toLowerCase() ?? '';
    if (f.length < MIN_THREAT_COLUMNS) return reject(`field direction: THREAT row has ${f.length} columns, expected at least ${MIN_THREAT_COLUMNS} (truncated line?)`);
    if (subtype === 'url') return skip('panos THREAT/url is a URL-filtering record, not an alert');

    const srcText = f[COL.src];
    if (!srcText) return reject('field src: missing');
    const src = canonicalIp(srcText);
    if (!src) return reject(`field src: not an IP address (${JSON.stringify(srcText.slice(0, 64))})`);

    let time = f[COL.generatedTime] ? panTime(f[COL.generatedTime], ctx) : null;
    if (!time && f[COL.receiveTime]) time = panTime(f[COL.receiveTime], ctx);
    if (!time) return reject(`field generated_time: unreadable time ${JSON.stringify((f[COL.generatedTime] || f[COL.receiveTime]).slice(0, 32))}`);

    const threat = splitThreatName(f[COL.threat]);
    const category = f[COL.category].toLowerCase();
    const action = f[COL.action];
    const severity = f[COL.severity];
    return ok({
      timestamp: time.iso,
      timezone_source: time.zone,
      observer: { vendor: 'Palo Alto Networks', product: 'PAN-OS', name: f[COL.serial] || null },
      source: { ip: src, port: parsePort(f[COL.sport]) },
      destination: { ip: canonicalIp(f[COL.dst]), port: parsePort(f[COL.dport]) },
      transport: transportName(f[COL.proto]),
      rule: { id: threat.id, name: threat.name, category: NO_CATEGORY.has(category) ? subtype || null : f[COL.category] },
      action: { value: actionValue(action), raw: action || null },
      severity: { id: fromWord(severity), raw: severity || null },
      format: 'panos',
    });
  },
};
