import { canonicalIp, parsePort, transportName } from '../ip';
import { AlertParser, ok, reject } from '../parser';
import { fromTenScale } from '../severity';
import { parseDatePattern, receivedTime } from '../time';
import { actionValue, parseCefExtension, parseCefTime } from './cef.parser';

/** Split `n` pipe-separated header fields (a backslash escapes `|` and `\`); the rest is returned as `rest`. */
function splitPipes(text: string, n: number): { fields: string[]; rest: string } | null {
  const fields: string[] = [];
  let cur = '';
  let i = 0;
  for (; i < text.length && fields.length < n; i++) {
    const c = text[i];
    if (c === '\\' && (text[i + 1] === '|' || text[i + 1] === '\\')) cur += text[++i];
    else if (c === '|') {
      fields.push(cur);
      cur = '';
    } else cur += c;
  }
  return fields.length < n ? null : { fields, rest: text.slice(i) };
}

/** LEEF 2.0 delimiter field: a character, or hex (`0x5E`, `x5E`, `\x5E`); empty means TAB. */
function delimiterOf(field: string): string | null {
  if (field === '' || field === '\\t' || field === '#011') return '\t';
  const hex = /^(?:0x|x|\\x)([0-9a-f]{1,4})$/i.exec(field);
  if (hex) {
    const code = parseInt(hex[1], 16);
    return code > 0 ? String.fromCharCode(code) : null;
  }
  return field.length === 1 ? field : null;
}

/** IBM QRadar LEEF 1.0 (TAB-separated attributes) and 2.0 (declared delimiter). */
export const leefParser: AlertParser = {
  format: 'leef',
  detect: (line) => /^LEEF:\s?[12](?:\.0)?\|/.test(line),
  parse(line, ctx) {
    const text = line.trim();
    const m = /^LEEF:\s?(\d+(?:\.\d+)?)\|/.exec(text);
    if (!m) return reject('field version: missing "LEEF:<version>|" prefix');
    const major = m[1].split('.')[0];
    if (major !== '1' && major !== '2') return reject(`field version: unsupported LEEF version ${JSON.stringify(m[1])}`);
    const head = splitPipes(text.slice(m[0].length), 4);
    if (!head) return reject('field header: expected Vendor|Product|Version|EventID| after the version');
    const [vendor, product, , eventId] = head.fields.map((f) => f.trim());
    let attrs = head.rest;
    let delim = '\t';
    if (major === '2') {
      const bar = attrs.indexOf('|');
      const field = bar < 0 ? null : attrs.slice(0, bar);
      // Some producers omit the delimiter field: what follows EventID| is already attributes.
      if (field != null && !(field.length > 6 && field.includes('='))) {
        const d = delimiterOf(field.trim());
        if (d == null) return reject(`field delimiter: not a character or hex code (${JSON.stringify(field.slice(0, 16))})`);
        delim = d;
        attrs = attrs.slice(bar + 1);
      }
    }

    const kv = new Map<string, string>();
    if (delim === '\t') attrs = attrs.replaceAll('#011', '\t');
    if (delim === '\t' && !attrs.includes('\t') && / [A-Za-z0-9_.-]+=/.test(attrs)) {
      // A TAB-less record (TABs turned into spaces on the way): fall back to "value runs until the next key=".
      for (const [k, v] of parseCefExtension(attrs, false)) kv.set(k, v);
    } else {
      for (const seg of attrs.split(delim)) {
        const eq = seg.indexOf('=');
        if (eq <= 0) continue;
        kv.set(seg.slice(0, eq).trim(), seg.slice(eq + 1).trim());
      }
    }
    const get = (...keys: string[]): string | null => {
      for (const k of keys) {
        const v = kv.get(k);
        if (v != null && v !== '') return v;
      }
      return null;
    };

    const srcText = get('src', 'srcPreNAT', 'identSrc');
    if (srcText == null) return reject('field src: missing');
    const src = canonicalIp(srcText);
    if (!src) return reject(`field src: not an IP address (${JSON.stringify(srcText.slice(0, 64))})`);
    const dstText = get('dst', 'dstPreNAT');

    const devTime = get('devTime');
    const devTimeFormat = get('devTimeFormat');
    const time =
      (devTime && devTimeFormat ? parseDatePattern(devTime, devTimeFormat, ctx) : null) ??
      (devTime ? parseCefTime(devTime, ctx) : null) ??
      receivedTime(ctx.receivedAt);

    const sev = get('sev', 'severity');
    const action = get('action', 'act');
    return ok({
      timestamp: time.iso,
      timezone_source: time.zone,
      observer: { vendor: vendor || 'unknown', product: product || 'unknown', name: get('devName', 'dvchost') },
      source: { ip: src, port: parsePort(get('srcPort')) },
      destination: { ip: dstText ? canonicalIp(dstText) : null, port: parsePort(get('dstPort')) },
      transport: transportName(get('proto')),
      rule: { id: eventId || null, name: get('name', 'msg') ?? (eventId || null), category: get('cat') },
      action: { value: actionValue(action), raw: action },
      severity: { id: fromTenScale(sev), raw: sev },
      format: 'leef',
    });
  },
};
