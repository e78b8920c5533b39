import { canonicalIp, parsePort, splitAddrPort, splitHostPort } from '../ip';
import { AlertParser, ok, reject, skip, type ParseContext, type ParseResult } from '../parser';
import { fromSyslog } from '../severity';
import { fromParts, monthIndex, parseEpoch, parseIsoLike, parseOffset, receivedTime, type TimeResult } from '../time';
import { asRecord, str, tryJson } from './json-util';

const OBSERVER = { vendor: 'OWASP', product: 'ModSecurity' } as const;

/**
 * ModSecurity severity (0 EMERGENCY .. 7 DEBUG, number or word) → OCSF.
 * libmodsecurity 3 writes severity "0" for rules that set none (owasp-modsecurity/ModSecurity#3271),
 * so a NUMERIC 0 reads as "not set" (Unknown), not Emergency/Fatal; the word EMERGENCY stays Fatal.
 */
function modsecSeverity(raw: string | null): number {
  if (raw == null) return 0;
  if (/^\s*0\s*$/.test(raw)) return 0;
  return fromSyslog(raw);
}

/** The first CRS-style "attack-*" tag (attack-sqli, attack-lfi ...), the best category there is. */
const attackTag = (tags: readonly string[]) => tags.find((t) => t.toLowerCase().startsWith('attack-')) ?? null;

/** "Thu Oct 24 15:39:13 2019" / "Tue Jul  7 14:15:51 2020" (with optional fraction) in the given zone. */
const CTIME = /^(?:[A-Za-z]{3} +)?([A-Za-z]{3}) +(\d{1,2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))? (\d{4})$/;

function ctime(text: string, ctx: ParseContext): TimeResult | null {
  const m = CTIME.exec(text.trim());
  if (!m) return null;
  const mo = monthIndex(m[1]);
  if (mo == null) return null;
  const ms = m[6] ? Number((m[6] + '00').slice(0, 3)) : 0;
  const t = fromParts(+m[7], mo, +m[2], +m[3], +m[4], +m[5], ms, parseOffset(ctx.timezone) ?? 540);
  return t == null ? null : { iso: new Date(t).toISOString(), zone: 'configured' };
}

// ---------------------------------------------------------------------------------------------
// v3 JSON audit log

function parseJson(line: string, ctx: ParseContext): ParseResult {
  const parsed = tryJson(line);
  if (!parsed.ok) return reject(parsed.error);
  const rec = asRecord(parsed.value);
  if (!rec) return reject('not a JSON object');
  const tx = asRecord(rec.transaction);
  if (!tx) return reject('field transaction: missing object');

  const rawMessages = Array.isArray(tx.messages) ? tx.messages : Array.isArray(rec.messages) ? rec.messages : null;
  if (rawMessages == null && tx.messages != null) return reject('field transaction.messages: not an array');
  if (!rawMessages || rawMessages.length === 0) return skip('transaction has no messages');

  // The message with the highest severity; ties go to the first.
  let best: { rec: Record<string, unknown>; details: Record<string, unknown>; sev: number; raw: string | null } | null = null;
  for (const item of rawMessages) {
    const m = asRecord(item);
    if (!m) continue;
    const details = asRecord(m.details) ?? asRecord(m.data) ?? {};
    const raw = str(details.severity);
    const sev = modsecSeverity(raw);
    if (!best || sev > best.sev) best = { rec: m, details, sev, raw };
  }
  if (!best) return reject('field transaction.messages: no message is an object');

  const src = canonicalIp(str(tx.client_ip));
  if (!src) return reject(`field transaction.client_ip: not an IP address (${JSON.stringify(tx.client_ip ?? null)})`);

  const tsText = str(tx.time_stamp) ?? str(tx.timestamp);
  let time: TimeResult | null;
  if (tsText) {
    time = ctime(tsText, ctx) ?? parseIsoLike(tsText.replace(/^(\d{4})\/(\d{2})\/(\d{2})/, '$1-$2-$3'), ctx.timezone);
    if (!time) return reject(`field transaction.time_stamp: unreadable time ${JSON.stringify(tsText.slice(0, 40))}`);
  } else {
    const unix = str(tx.unix_timestamp);
    time = unix ? parseEpoch(unix) : receivedTime(ctx.receivedAt);
    if (!time) return reject(`field transaction.unix_timestamp: unreadable epoch ${JSON.stringify(unix)}`);
  }

  const response = asRecord(tx.response);
  const code = parsePort(response?.http_code ?? response?.status);
  const intervened = (tx.intervention != null && tx.intervention !== false) || tx.is_interrupted === true;
  const tags = Array.isArray(best.details.tags) ? best.details.tags.filter((t: unknown): t is string => typeof t === 'string') : [];
  const request = asRecord(tx.request);
  const headers = asRecord(request?.headers);
  const hostHeader = headers ? str(headers.Host ?? headers.host) : null;

  return ok({
    timestamp: time.iso,
    timezone_source: time.zone,
    observer: { ...OBSERVER, name: hostHeader },
    source: { ip: src, port: parsePort(tx.client_port) },
    destination: { ip: canonicalIp(str(tx.host_ip)), port: parsePort(tx.host_port) },
    transport: 'tcp',
    rule: {
      id: str(best.details.ruleId) ?? str(best.details.id),
      name: str(best.rec.message)?.trim() || str(best.details.msg),
      category: attackTag(tags),
    },
    action: { value: code === 403 || intervened ? 'blocked' : 'unknown', raw: code != null ? String(code) : null },
    severity: { id: best.sev, raw: best.raw },
    format: 'modsecurity',
  });
}

// ---------------------------------------------------------------------------------------------
// v2 (and libmodsecurity-in-nginx) error-log lines

/** Every `[name "value"]` value in order; `\"` and `\\` inside a value are unescaped (`\xHH` stays). Linear scan, no regex backtracking. */
function bracketFields(text: string, name: string, max = 64): string[] {
  const open = `[${name} "`;
  const out: string[] = [];
  let i = text.indexOf(open);
  while (i >= 0 && out.length < max) {
    let j = i + open.length;
    let value = '';
    let from = j;
    let closed = false;
    for (; j < text.length; j++) {
      if (text[j] === '\\' && (text[j + 1] === '"' || text[j + 1] === '\\')) {
        value += text.slice(from, j) + text[j + 1];
        j++;
        from = j + 1;
      } else if (text[j] === '"' && text[j + 1] === ']') {
        value += text.slice(from, j);
        closed = true;
        break;
      }
    }
    if (!closed) break; // truncated line: the last field is cut
    out.push(value);
    i = text.indexOf(open, j + 2);
  }
  return out;
}

/** Every `[client X]` value (Apache writes "ip:port", ModSecurity its own bare "ip"). */
function clientValues(text: string): string[] {
  const out: string[] = [];
  let i = text.indexOf('[client ');
  while (i >= 0 && out.length < 4) {
    const end = text.indexOf(']', i);
    if (end < 0) break;
    out.push(text.slice(i + 8, end).trim());
    i = text.indexOf('[client ', end);
  }
  return out;
}

/**
 * The client address and port. Apache 2.4 writes "[client ::1:37752]" and ModSecurity adds
 * "[client ::1]": when a bare address prefixes another value, the rest is the port. Otherwise the
 * value is split on its last colon when the part before it is an address ("::1:37752" → ::1, 37752);
 * Apache 2.2 and nginx, whose values carry no port, get the whole value.
 */
function client(values: string[], apache24: boolean): { ip: string | null; port: number | null } {
  for (const bare of values) {
    const ip = canonicalIp(bare);
    if (!ip) continue;
    for (const other of values) {
      if (other.length > bare.length + 1 && other.startsWith(bare + ':')) {
        const port = parsePort(other.slice(bare.length + 1));
        if (port != null) return { ip, port };
      }
    }
  }
  const first = values[0];
  if (first == null) return { ip: null, port: null };
  return apache24 ? splitAddrPort(first) : splitHostPort(first);
}

const APACHE_TIME = /^\[([^\]]{10,40})\]/;
const NGINX_TIME = /^(\d{4})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2}):(\d{2}) \[/;

function parseErrorLine(line: string, ctx: ParseContext): ParseResult {
  const text = line.trim();
  let time: TimeResult | null;
  let apache24 = false;
  const a = APACHE_TIME.exec(text);
  const n = a ? null : NGINX_TIME.exec(text);
  if (a) {
    time = ctime(a[1], ctx);
    apache24 = a[1].includes('.'); // 2.4 prints microseconds, and its [client] carries the port
    if (!time) return reject(`field time: unreadable time ${JSON.stringify(a[1])}`);
  } else if (n) {
    const t = fromParts(+n[1], +n[2] - 1, +n[3], +n[4], +n[5], +n[6], 0, parseOffset(ctx.timezone) ?? 540);
    if (t == null) return reject(`field time: impossible date ${JSON.stringify(text.slice(0, 19))}`);
    time = { iso: new Date(t).toISOString(), zone: 'configured' };
  } else {
    return reject('field time: line does not start with an Apache "[...]" or nginx "YYYY/MM/DD hh:mm:ss" time');
  }

  const at = text.indexOf('ModSecurity: ');
  if (at < 0) return skip('not a ModSecurity message');
  const body = text.slice(at + 13);
  let action: 'allowed' | 'blocked' | 'unknown';
  if (body.startsWith('Access denied')) action = 'blocked';
  else if (body.startsWith('Access allowed')) action = 'allowed';
  else if (body.startsWith('Warning')) action = 'unknown';
  else return skip('ModSecurity message is not a rule match');
  const stop = body.indexOf('. ');
  const actionRaw = (stop > 0 && stop < 80 ? body.slice(0, stop) : body.slice(0, 80)).replace(/\.$/, '');

  const src = client(clientValues(text), apache24);
  if (!src.ip) {
    // nginx also appends ", client: 1.2.3.4,".
    const tail = text.lastIndexOf(', client: ');
    const end = tail >= 0 ? text.indexOf(',', tail + 10) : -1;
    const ip = tail >= 0 ? canonicalIp(text.slice(tail + 10, end > 0 ? end : undefined)) : null;
    if (!ip) return reject('field client: missing or not an IP address');
    src.ip = ip;
    src.port = null;
  }

  const severityRaw = bracketFields(text, 'severity', 1)[0] ?? null;
  const hostname = bracketFields(text, 'hostname', 1)[0] ?? null;
  return ok({
    timestamp: time.iso,
    timezone_source: time.zone,
    observer: { ...OBSERVER, name: hostname || null },
    source: { ip: src.ip, port: src.port },
    destination: { ip: null, port: null },
    transport: 'tcp',
    rule: {
      id: bracketFields(text, 'id', 1)[0] || null,
      name: bracketFields(text, 'msg', 1)[0] || null,
      category: attackTag(bracketFields(text, 'tag')),
    },
    action: { value: action, raw: actionRaw },
    severity: { id: modsecSeverity(severityRaw), raw: severityRaw },
    format: 'modsecurity',
  });
}

/**
 * ModSecurity: v3 JSON audit log (one alert per transaction, for its most severe message) and
 * v2 Apache / libmodsecurity nginx error-log lines (one alert per "ModSecurity:" line).
 * Times carry no zone: the configured zone applies.
 */
export const modsecurityParser: AlertParser = {
  format: 'modsecurity',
  detect: (line) =>
    line.startsWith('{')
      ? line.includes('"transaction"') && line.includes('"client_ip"') && !line.includes('"event_type"')
      : line.includes('ModSecurity: ') && (line.startsWith('[') || /^\d{4}\/\d{2}\/\d{2} /.test(line)),
  parse(line, ctx) {
    return line.trimStart().startsWith('{') ? parseJson(line, ctx) : parseErrorLine(line, ctx);
  },
};
