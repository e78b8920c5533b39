import { canonicalIp, parsePort, splitAddrPort, transportName } from '../ip';
import { AlertParser, ok, reject, type ParseContext } from '../parser';
import { fromPriority } from '../severity';
import { fromParts, parseEpoch, parseOffset, receivedTime, withInferredYear, type TimeResult } from '../time';
import { asRecord, str, tryJson } from './json-util';

/**
 * Snort actions → allowed | blocked | unknown. "would_drop"/"wDrop" (IDS mode: the rule says drop
 * but the packet went through) and plain "alert" are unknown, not blocked.
 */
export function snortAction(raw: string | null | undefined): 'allowed' | 'blocked' | 'unknown' {
  if (!raw) return 'unknown';
  const a = raw.trim().toLowerCase();
  if (a === 'allow' || a === 'pass') return 'allowed';
  if (a === 'drop' || a === 'block' || a === 'reject' || a === 'sdrop' || a === 'reset') return 'blocked';
  return 'unknown';
}

/** Snort's protocol names ("ICMP4", "ICMP6") → the names other parsers use ("icmp", "ipv6-icmp"). */
export function snortTransport(raw: string | null | undefined): string | null {
  const t = transportName(raw);
  if (t === 'icmp4') return 'icmp';
  if (t === 'icmp6' || t === 'icmpv6') return 'ipv6-icmp';
  return t;
}

/** Protocols whose ports mean something; for the rest Snort writes port 0 (src_ap) or type/code (Suricata). */
export const hasPorts = (transport: string | null) => transport === 'tcp' || transport === 'udp' || transport === 'sctp';

const SNORT_TIME = /^(\d{2})\/(\d{2})(?:\/(\d{2}|\d{4}))?-(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?/;

/**
 * Snort/Suricata text time at the start of `text`, in the configured zone:
 * "MM/DD-hh:mm:ss.us" (no year: inferred from receive time), Suricata "MM/DD/YYYY-...", and the
 * two-digit-year forms of `-y`, which Snort 3 writes YY/MM/DD and Snort 2 MM/DD/YY: whichever
 * reading is valid and closest to receive time wins. Null when the text is not such a time.
 */
export function parseSnortTime(text: string, ctx: ParseContext): { time: TimeResult | null; length: number; fullYear: boolean } | null {
  const m = SNORT_TIME.exec(text);
  if (!m) return null;
  const [a, b, c, h, mi, s] = [+m[1], +m[2], m[3], +m[4], +m[5], +m[6]];
  const ms = m[7] ? Number((m[7] + '00').slice(0, 3)) : 0;
  const length = m[0].length;
  if (c == null) return { time: withInferredYear(a - 1, b, h, mi, s, ms, ctx), length, fullYear: false };
  const off = parseOffset(ctx.timezone) ?? 540;
  if (c.length === 4) {
    const t = fromParts(+c, a - 1, b, h, mi, s, ms, off);
    return { time: t == null ? null : { iso: new Date(t).toISOString(), zone: 'configured' }, length, fullYear: true };
  }
  const candidates = [fromParts(2000 + a, b - 1, +c, h, mi, s, ms, off), fromParts(2000 + +c, a - 1, b, h, mi, s, ms, off)];
  let best: number | null = null;
  for (const t of candidates) {
    if (t != null && (best == null || Math.abs(t - ctx.receivedAt) < Math.abs(best - ctx.receivedAt))) best = t;
  }
  return { time: best == null ? null : { iso: new Date(best).toISOString(), zone: 'configured' }, length, fullYear: false };
}

/** `seconds` (epoch, explicit) first, with the microseconds of `timestamp` when they agree; then `timestamp` alone (configured zone). */
function eventTime(rec: Record<string, unknown>, ctx: ParseContext): TimeResult | { error: string } {
  const secText = str(rec.seconds);
  const tsText = str(rec.timestamp);
  const ts = tsText ? parseSnortTime(tsText.trim(), ctx) : null;
  if (secText) {
    const epoch = parseEpoch(secText);
    if (epoch) {
      const frac = tsText ? /:(\d{2})\.(\d{1,9})$/.exec(tsText.trim()) : null;
      if (frac && /^\d{9,10}$/.test(secText.trim()) && Number(frac[1]) === Number(secText) % 60) {
        return parseEpoch(`${secText.trim()}.${frac[2]}`) ?? epoch;
      }
      return epoch;
    }
    if (!ts?.time) return { error: `field seconds: unreadable epoch ${JSON.stringify(secText.slice(0, 32))}` };
  }
  if (tsText) {
    if (!ts || !ts.time) return { error: `field timestamp: unreadable time ${JSON.stringify(tsText.slice(0, 40))}` };
    return ts.time;
  }
  return receivedTime(ctx.receivedAt);
}

/** One endpoint from `<x>_addr` + `<x>_port`, or from `<x>_ap` ("ip:port", the LAST colon splits, IPv6 included). */
function endpoint(rec: Record<string, unknown>, side: 'src' | 'dst', transport: string | null): { ip: string | null; port: number | null; given: string | null } {
  const addrText = str(rec[`${side}_addr`]);
  const apText = str(rec[`${side}_ap`]);
  const ap = apText ? splitAddrPort(apText) : null;
  const ip = addrText ? canonicalIp(addrText) : (ap?.ip ?? null);
  let port = parsePort(rec[`${side}_port`]) ?? ap?.port ?? null;
  // src_ap always carries a port: 0 when the protocol has none (ICMP, raw IP).
  if (port === 0 && transport != null && !hasPorts(transport)) port = null;
  return { ip, port, given: addrText ?? apText };
}

/** "gid:sid:rev" → its parts. */
function ruleParts(text: string | null): { gid: string; sid: string; rev: string } | null {
  const m = text ? /^(\d+):(\d+):(\d+)$/.exec(text.trim()) : null;
  return m ? { gid: m[1], sid: m[2], rev: m[3] } : null;
}

/** Snort 3 `alert_json`: fields are configurable, so nearly everything is optional. Every line is an alert. */
export const snortJsonParser: AlertParser = {
  format: 'snort-json',
  detect: (line) =>
    line.startsWith('{') &&
    !line.includes('"event_type"') &&
    (line.includes('"src_ap"') || (line.includes('"sid"') && (line.includes('"src_addr"') || line.includes('"seconds"')))),
  parse(line, ctx) {
    const parsed = tryJson(line);
    if (!parsed.ok) return reject(parsed.error);
    const rec = asRecord(parsed.value);
    if (!rec) return reject('not a JSON object');

    const transport = snortTransport(str(rec.proto));
    const src = endpoint(rec, 'src', transport);
    if (!src.ip) {
      if (src.given == null) return reject('field src_addr: missing (neither src_addr nor src_ap)');
      return reject(`field ${rec.src_addr != null ? 'src_addr' : 'src_ap'}: not an IP address (${JSON.stringify(src.given.slice(0, 64))})`);
    }
    const dst = endpoint(rec, 'dst', transport);

    const time = eventTime(rec, ctx);
    if ('error' in time) return reject(time.error);

    const ruleText = str(rec.rule);
    const rule = ruleParts(ruleText);
    if (ruleText && !rule) return reject(`field rule: expected "gid:sid:rev", got ${JSON.stringify(ruleText.slice(0, 40))}`);
    const sid = str(rec.sid) ?? rule?.sid ?? null;

    const prioText = str(rec.priority);
    const prio = prioText != null ? Number(prioText) : NaN;
    const action = str(rec.action);
    const cls = str(rec.class);
    return ok({
      timestamp: time.iso,
      timezone_source: time.zone,
      observer: { vendor: 'Cisco', product: 'Snort', name: str(rec.iface) },
      source: { ip: src.ip, port: src.port },
      destination: { ip: dst.ip, port: dst.port },
      transport,
      rule: { id: sid, name: str(rec.msg), category: cls === 'none' ? null : cls },
      action: { value: snortAction(action), raw: action },
      severity: { id: fromPriority(Number.isFinite(prio) ? prio : null), raw: prioText },
      format: 'snort-json',
    });
  },
};
