import { canonicalIp, parsePort, transportName } from '../ip';
import { AlertParser, ok, reject } from '../parser';
import { fromTenScale } from '../severity';
import { parseDatePattern, parseEpoch, parseIsoLike, receivedTime, type TimeResult } from '../time';

const HEADER_FIELDS = 7; // Version|Vendor|Product|DevVersion|SignatureID|Name|Severity
const MAX_HEADER_FIELD = 1024;

const isKeyChar = (c: number) =>
  (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 /* _ */ || c === 46 /* . */ || c === 45; /* - */

/** Count pipes not escaped by a backslash, stopping once `enough` are seen. */
function countPipes(line: string, enough: number): number {
  let n = 0;
  for (let i = 0; i < line.length && n < enough; i++) {
    const c = line.charCodeAt(i);
    if (c === 92 /* \ */) i++;
    else if (c === 124 /* | */) n++;
  }
  return n;
}

/** Split the 7 header fields (escapes `\|` and `\\`); the rest of the line is the extension. */
function splitHeader(text: string): { fields: string[]; extension: string } | null {
  const fields: string[] = [];
  let cur = '';
  let i = 0;
  for (; i < text.length && fields.length < HEADER_FIELDS; i++) {
    const c = text[i];
    if (c === '\\' && (text[i + 1] === '|' || text[i + 1] === '\\')) {
      cur += text[++i];
    } else if (c === '|') {
      fields.push(cur);
      cur = '';
    } else cur += c;
  }
  if (fields.length < HEADER_FIELDS) return null;
  return { fields, extension: text.slice(i) };
}

/** Extension value escapes: `\=` `\\` `\n` `\r` (and a stray `\|`); any other backslash stays. */
function unescapeValue(v: string): string {
  if (!v.includes('\\')) return v;
  let out = '';
  for (let i = 0; i < v.length; i++) {
    const c = v[i];
    if (c !== '\\' || i + 1 >= v.length) {
      out += c;
      continue;
    }
    const n = v[i + 1];
    if (n === '=' || n === '\\' || n === '|') out += n;
    else if (n === 'n') out += '\n';
    else if (n === 'r') out += '\r';
    else {
      out += c;
      continue;
    }
    i++;
  }
  return out;
}

/**
 * Parse `key=value key2=value with spaces ...`: a value runs until the next ` key=` where the
 * key is [A-Za-z0-9_.-]+ and the `=` is not escaped. One left-to-right pass; each character is
 * looked at a bounded number of times, so hostile input cannot make it slow.
 */
export function parseCefExtension(ext: string, unescape = true): Map<string, string> {
  const out = new Map<string, string>();
  // Boundaries: [keyStart, eqPos] for every real key.
  const keys: Array<[number, number]> = [];
  for (let i = 0; i < ext.length; i++) {
    const c = ext.charCodeAt(i);
    if (c === 92 /* \ */) {
      i++;
      continue;
    }
    if (c !== 61 /* = */) continue;
    let s = i;
    while (s > 0 && isKeyChar(ext.charCodeAt(s - 1))) s--;
    if (s === i) continue; // "=" with no key before it: part of a value
    if (s > 0 && ext[s - 1] !== ' ' && ext[s - 1] !== '\t') continue; // e.g. "?q=1" inside a URL
    keys.push([s, i]);
  }
  for (let k = 0; k < keys.length; k++) {
    const [s, eq] = keys[k];
    const end = k + 1 < keys.length ? keys[k + 1][0] : ext.length;
    const raw = ext.slice(eq + 1, end).trim();
    out.set(ext.slice(s, eq), unescape ? unescapeValue(raw) : raw);
  }
  return out;
}

/** Timestamp formats the CEF spec allows for `rt`, `start`, `end` (besides epoch ms). */
const CEF_TIME_PATTERNS = [
  'MMM dd yyyy HH:mm:ss.SSS zzz',
  'MMM dd yyyy HH:mm:ss.SSS',
  'MMM dd yyyy HH:mm:ss zzz',
  'MMM dd yyyy HH:mm:ss',
  'MMM dd HH:mm:ss.SSS zzz',
  'MMM dd HH:mm:ss.SSS',
  'MMM dd HH:mm:ss zzz',
  'MMM dd HH:mm:ss',
];

/** A CEF/LEEF device time: epoch (s/ms), ISO-8601, or one of the CEF spec's text forms. */
export function parseCefTime(text: string, ctx: { receivedAt: number; timezone: string }): TimeResult | null {
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return parseEpoch(t);
  if (/^\d{4}-/.test(t)) return parseIsoLike(t, ctx.timezone);
  if (!/^[A-Za-z]{3}/.test(t)) return null;
  for (const p of CEF_TIME_PATTERNS) {
    const r = parseDatePattern(t, p, ctx);
    if (r) return r;
  }
  return null;
}

/** CEF/LEEF action words → allowed | blocked | unknown. */
export function actionValue(raw: string | null): 'allowed' | 'blocked' | 'unknown' {
  if (!raw) return 'unknown';
  const a = raw.trim().toLowerCase();
  if (/^(block|blocked|deny|denied|drop|dropped|reject|rejected|reset|prevent|prevented|quarantine|quarantined|terminate|terminated|discard|discarded)$/.test(a)) return 'blocked';
  if (/^(allow|allowed|permit|permitted|accept|accepted|pass|passed|alert|alerted|detect|detected|log|logged|monitor|monitored)$/.test(a)) return 'allowed';
  return 'unknown';
}

/** ArcSight CEF, including `CEF: 0` and lines whose `CEF:` prefix was dropped (`0|Vendor|...`). */
export const cefParser: AlertParser = {
  format: 'cef',
  detect: (line) => /^CEF:\s?\d/.test(line) || (/^\d\|[^|]*\|[^|]*\|/.test(line) && countPipes(line, HEADER_FIELDS) >= HEADER_FIELDS),
  parse(line, ctx) {
    let text = line.trim();
    if (/^CEF:/i.test(text)) text = text.slice(4).trimStart();
    else if (!/^\d/.test(text)) {
      // Something in front of the CEF record (an unstripped tag or host): start at "CEF:".
      const at = text.indexOf('CEF:');
      if (at < 0 || at > 512) return reject('field header: no "CEF:" prefix and not a CEF header');
      text = text.slice(at + 4).trimStart();
    }
    const split = splitHeader(text);
    if (!split) return reject(`field header: expected ${HEADER_FIELDS} pipe-separated header fields, found ${countPipes(text, HEADER_FIELDS)}`);
    const [version, vendor, product, , signatureId, name, severity] = split.fields.map((f) => f.trim());
    if (!/^\d{1,2}$/.test(version)) return reject(`field version: not a CEF version (${JSON.stringify(version.slice(0, 32))})`);
    if (split.fields.some((f) => f.length > MAX_HEADER_FIELD)) return reject('field header: header field longer than 1024 characters');

    const ext = parseCefExtension(split.extension);
    const get = (...keys: string[]): string | null => {
      for (const k of keys) {
        const v = ext.get(k);
        if (v != null && v !== '') return v;
      }
      return null;
    };

    const srcText = get('src', 'sourceAddress', 'c6a2', 'deviceCustomIPv6Address2');
    if (srcText == null) return reject('field src: missing');
    const src = canonicalIp(srcText);
    if (!src) return reject(`field src: not an IP address (${JSON.stringify(srcText.slice(0, 64))})`);
    const dstText = get('dst', 'destinationAddress', 'c6a3', 'deviceCustomIPv6Address3');

    const timeText = get('rt', 'receiptTime', 'end', 'endTime', 'start', 'startTime', 'UNIFIutcTime');
    const time = (timeText ? parseCefTime(timeText, ctx) : null) ?? receivedTime(ctx.receivedAt);

    const act = get('act', 'deviceAction');
    return ok({
      timestamp: time.iso,
      timezone_source: time.zone,
      observer: {
        vendor: vendor || 'unknown',
        product: product || 'unknown',
        name: get('dvchost', 'deviceHostName', 'dvc', 'deviceAddress', 'UNIFIdeviceName', 'UNIFIhost'),
      },
      source: { ip: src, port: parsePort(get('spt', 'sourcePort')) },
      destination: { ip: dstText ? canonicalIp(dstText) : null, port: parsePort(get('dpt', 'destinationPort')) },
      transport: transportName(get('proto', 'transportProtocol')),
      rule: {
        id: signatureId || null,
        name: name || get('msg', 'message'),
        category: get('cat', 'deviceEventCategory', 'UNIFIsubCategory'),
      },
      action: { value: actionValue(act), raw: act },
      severity: { id: fromTenScale(severity), raw: severity || null },
      format: 'cef',
    });
  },
};
