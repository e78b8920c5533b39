import { canonicalIp, parsePort, transportName } from '../ip';
import { AlertParser, ok, reject, skip, type ParseContext, type ParseResult } from '../parser';
import { fromSyslog, fromWord } from '../severity';
import { fromParts, parseEpoch, parseOffset, receivedTime, zoneOffset, type TimeResult } from '../time';

type Kv = Map<string, string | null>;

/**
 * FortiOS `key=value` pairs: values are bare (up to the next space) or double-quoted (spaces
 * allowed, `\"` and `\\` escaped). `N/A` and empty values become null.
 */
export function parseFortiKv(line: string): { ok: true; kv: Kv } | { ok: false; error: string } {
  const kv: Kv = new Map();
  const n = line.length;
  let i = 0;
  while (i < n) {
    while (i < n && (line[i] === ' ' || line[i] === '\t')) i++;
    if (i >= n) break;
    const start = i;
    while (i < n && line[i] !== '=' && line[i] !== ' ' && line[i] !== '\t') i++;
    if (i >= n || line[i] !== '=') continue; // a stray word without "=": not a pair
    const key = line.slice(start, i);
    i++;
    let value: string;
    if (line[i] === '"') {
      i++;
      let buf = '';
      let closed = false;
      let from = i;
      for (; i < n; i++) {
        const c = line[i];
        if (c === '\\') {
          const next = line[i + 1];
          if (next === '"' || next === '\\') {
            buf += line.slice(from, i) + next;
            i++;
            from = i + 1;
          }
        } else if (c === '"') {
          closed = true;
          break;
        }
      }
      if (closed) {
        buf += line.slice(from, i);
        i++;
      }
      if (!closed) return { ok: false, error: `field ${key || '(empty key)'}: unterminated quoted value (truncated line?)` };
      value = buf;
    } else {
      const s = i;
      while (i < n && line[i] !== ' ' && line[i] !== '\t') i++;
      value = line.slice(s, i);
    }
    if (!key) continue;
    kv.set(key, value === '' || value === 'N/A' ? null : value);
  }
  return { ok: true, kv };
}

/** FortiGate actions → allowed | blocked | unknown. `detected`/`monitored`/`pass` mean the traffic went through. */
function actionValue(raw: string | null): 'allowed' | 'blocked' | 'unknown' {
  if (!raw) return 'unknown';
  const a = raw.toLowerCase();
  if (/^(dropped|drop|blocked|block|deny|denied|reset|reset-client|reset-server|clear_session|close|reject|quarantine|ban)$/.test(a)) return 'blocked';
  if (a.includes('login-fail') || a.includes('auth-fail')) return 'blocked'; // the login was refused
  if (/^(pass|passthrough|accept|allowed|allow|detected|monitored|monitor|permit)$/.test(a)) return 'allowed';
  return 'unknown';
}

/** Event time: `eventtime` (epoch s/ms/µs/ns, explicit) first, then `date`+`time` in `tz` (explicit) or the configured zone. */
function eventTime(kv: Kv, ctx: ParseContext): TimeResult | { error: string } {
  const et = kv.get('eventtime');
  if (et) {
    const t = parseEpoch(et); // a string: ns values exceed 2^53 and must not go through Number()
    if (t) return t;
  }
  const date = kv.get('date');
  const time = kv.get('time');
  if (!date && !time) return receivedTime(ctx.receivedAt);
  if (!date || !time) return { error: `field ${date ? 'time' : 'date'}: missing (date and time come together)` };
  const d = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$/.exec(date);
  if (!d) return { error: `field date: unreadable date ${JSON.stringify(date.slice(0, 32))}` };
  const tm = /^(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$/.exec(time);
  if (!tm) return { error: `field time: unreadable time ${JSON.stringify(time.slice(0, 32))}` };
  const tz = kv.get('tz');
  const explicit = tz ? zoneOffset(tz) : null;
  const off = explicit ?? parseOffset(ctx.timezone) ?? 540;
  const ms = tm[4] ? Number((tm[4] + '00').slice(0, 3)) : 0;
  const t = fromParts(+d[1], +d[2] - 1, +d[3], +tm[1], +tm[2], +tm[3], ms, off);
  if (t == null) return { error: `field date: impossible date ${JSON.stringify(`${date} ${time}`)}` };
  return { iso: new Date(t).toISOString(), zone: explicit != null ? 'explicit' : 'configured' };
}

const UTM_SUBTYPES = new Set(['ips', 'anomaly', 'virus', 'webfilter', 'waf', 'app-ctrl']);
/** UTM subtypes that are alerts only when the device blocked something; the rest are alerts whatever the action. */
const BLOCKED_ONLY = new Set(['webfilter', 'app-ctrl']);

/** "https(10.1.1.1)" or "ssh(2001:db8::1)" → the address in parentheses. */
function ipInParens(text: string | null | undefined): string | null {
  if (!text) return null;
  const open = text.lastIndexOf('(');
  const close = text.lastIndexOf(')');
  return open >= 0 && close > open ? canonicalIp(text.slice(open + 1, close)) : null;
}

/** Syslog-style `level` words; FortiOS writes "information". */
const levelSeverity = (level: string | null | undefined) => fromSyslog(level?.toLowerCase() === 'information' ? 'info' : level);

/** FortiGate key=value logs: UTM security events and login failures are alerts; traffic and other events are skipped. */
export const fortigateParser: AlertParser = {
  format: 'fortigate',
  detect: (line) =>
    !line.startsWith('{') &&
    !/^(CEF|LEEF):/.test(line) &&
    /(?:^|\s)type="?[a-z]/.test(line) &&
    (/^date=\S+ time=/.test(line) || /(?:^|\s)(?:logid|devid|devname)="?[^\s"]/.test(line)),
  parse(line, ctx): ParseResult {
    const parsed = parseFortiKv(line.trim());
    if (!parsed.ok) return reject(parsed.error);
    const kv = parsed.kv;
    if (kv.size === 0) return reject('field type: no key=value pairs');
    let type = kv.get('type')?.toLowerCase();
    let subtype = kv.get('subtype')?.toLowerCase() ?? null;
    if (!type) return reject('field type: missing');
    if (UTM_SUBTYPES.has(type)) {
      // FortiOS 5.0 wrote the UTM subtype as the type.
      subtype = type;
      type = 'utm';
    }
    const logid = kv.get('logid') ?? null;
    const actionRaw = kv.get('action') ?? null;
    const observer = { vendor: 'Fortinet', product: 'FortiGate', name: kv.get('devname') ?? kv.get('devid') ?? null };

    let srcKey: string;
    let ruleId: string | null;
    let ruleName: string | null;
    let category: string;
    let sevRaw: string | null;
    let sevId: number;
    let srcIpText: string | null | undefined;

    if (type === 'utm') {
      if (!subtype || !UTM_SUBTYPES.has(subtype)) return skip(`fortigate utm subtype ${subtype ?? '(none)'} is not an alert`);
      if (BLOCKED_ONLY.has(subtype) && actionValue(actionRaw) !== 'blocked') return skip(`fortigate ${subtype} with action ${actionRaw ?? '(none)'} is not an alert`);
      srcKey = 'srcip';
      srcIpText = kv.get('srcip');
      switch (subtype) {
        case 'virus':
          ruleId = kv.get('virusid') ?? logid;
          ruleName = kv.get('virus') ?? kv.get('msg') ?? null;
          break;
        case 'webfilter':
          ruleId = kv.get('cat') ?? logid;
          ruleName = kv.get('catdesc') ?? kv.get('msg') ?? null;
          break;
        case 'app-ctrl':
          ruleId = kv.get('appid') ?? logid;
          ruleName = kv.get('app') ?? kv.get('msg') ?? null;
          break;
        default: // ips, anomaly, waf
          ruleId = kv.get('attackid') ?? kv.get('signatureid') ?? logid;
          ruleName = kv.get('attack') ?? kv.get('msg') ?? kv.get('logdesc') ?? null;
      }
      category = subtype;
      sevRaw = kv.get('severity') ?? kv.get('crlevel') ?? null;
      sevId = sevRaw ? fromWord(sevRaw) : levelSeverity(kv.get('level'));
      if (!sevRaw) sevRaw = kv.get('level') ?? null;
    } else if (type === 'event') {
      const logdesc = kv.get('logdesc') ?? null;
      const action = actionRaw?.toLowerCase() ?? '';
      const status = kv.get('status')?.toLowerCase() ?? '';
      const loginFailText = /log(?:in|on) fail|auth(?:entication)? fail/i.test(logdesc ?? '');
      if (subtype === 'vpn') {
        if (!(loginFailText || action.includes('login-fail') || action.includes('auth-fail'))) return skip(`fortigate vpn event ${actionRaw ?? logdesc ?? ''} is not a login failure`);
        srcKey = 'remip';
        srcIpText = kv.get('remip');
      } else if (subtype === 'system' || subtype === 'user') {
        const failed = status === 'failed' || status === 'failure';
        const loginAction = action === 'login' || action.includes('auth');
        if (!((loginAction && failed) || loginFailText)) return skip(`fortigate ${subtype} event ${logdesc ?? actionRaw ?? ''} is not a login failure`);
        srcKey = 'srcip';
        srcIpText = kv.get('srcip') ?? ipInParens(kv.get('ui'));
      } else {
        return skip(`fortigate event subtype ${subtype ?? '(none)'} is not an alert`);
      }
      ruleId = logid;
      ruleName = logdesc ?? kv.get('msg') ?? null;
      category = 'authentication-failure';
      sevRaw = kv.get('level') ?? null;
      sevId = levelSeverity(sevRaw);
    } else {
      return skip(`fortigate type ${type} is not an alert`);
    }

    if (!srcIpText) return reject(`field ${srcKey}: missing`);
    const src = canonicalIp(srcIpText);
    if (!src) return reject(`field ${srcKey}: not an IP address (${JSON.stringify(srcIpText.slice(0, 64))})`);

    const time = eventTime(kv, ctx);
    if ('error' in time) return reject(time.error);

    const login = category === 'authentication-failure'; // a refused login: it was denied
    return ok({
      timestamp: time.iso,
      timezone_source: time.zone,
      observer,
      source: { ip: src, port: parsePort(kv.get('srcport') ?? null) },
      destination: {
        ip: canonicalIp(kv.get('dstip') ?? kv.get('locip') ?? null),
        port: parsePort(kv.get('dstport') ?? null),
      },
      transport: transportName(kv.get('proto') ?? null),
      rule: { id: ruleId ?? null, name: ruleName, category },
      action: { value: login ? 'blocked' : actionValue(actionRaw), raw: actionRaw },
      severity: { id: sevId, raw: sevRaw },
      format: 'fortigate',
    });
  },
};
