import { monthIndex, parseIsoLike, withInferredYear, type TimeResult } from './time';

/** What a syslog header said, and the message after it. */
export interface SyslogEnvelope {
  pri: number | null;
  host: string | null;
  time: TimeResult | null;
  /** The program: RFC 5424 APP-NAME or the RFC 3164 tag ("filterlog" of "filterlog[123]: "); null when none. */
  program?: string | null;
  message: string;
}

const RFC5424 = /^<(\d{1,3})>1 (\S+) (\S+) (\S+) (\S+) (\S+) /;
const RFC3164 = /^(?:<(\d{1,3})>)?([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))? (?:(\S+) )?/;
const PRI_ONLY = /^<(\d{1,3})>/;
/** What an RFC 3164 HOSTNAME can be: a name, an IPv4 or IPv6 address. */
const HOSTNAME = /^[A-Za-z0-9._:%-]+$/;

/** Skip RFC 5424 structured data: "-" or one or more [id k="v"...] blocks (values may hold escaped ]). */
function skipStructuredData(text: string, i: number): number {
  if (text[i] === '-') return text[i + 1] === ' ' ? i + 2 : i + 1;
  while (text[i] === '[') {
    i++;
    while (i < text.length && text[i] !== ']') {
      if (text[i] === '\\') i++;
      else if (text[i] === '"') {
        i++;
        while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      }
      i++;
    }
    i++;
  }
  return text[i] === ' ' ? i + 1 : i;
}

/**
 * Strip an RFC 5424, RFC 3164 or bare `<PRI>` header. A line with no header comes back whole.
 * RFC 3164 has no year and no zone: the year closest to receive time and the sensor's zone apply.
 */
export function parseSyslogHeader(line: string, ctx: { receivedAt: number; timezone: string }): SyslogEnvelope {
  // Every header starts with '<' or a month name: anything else skips three regexes (cheap garbage lines).
  const first = line.charCodeAt(0);
  if (first !== 0x3c && !(first >= 0x41 && first <= 0x5a)) return { pri: null, host: null, time: null, message: line };
  let m = RFC5424.exec(line);
  if (m) {
    const after = skipStructuredData(line, m[0].length);
    let message = line.slice(after);
    if (message.startsWith('\uFEFF')) message = message.slice(1);
    return { pri: Number(m[1]), host: nil(m[3]), time: m[2] === '-' ? null : parseIsoLike(m[2], ctx.timezone), program: nil(m[4]), message };
  }
  m = RFC3164.exec(line);
  if (m) {
    const mo = monthIndex(m[2]);
    const time = mo == null ? null : withInferredYear(mo, +m[3], +m[4], +m[5], +m[6], m[7] ? Number((m[7] + '00').slice(0, 3)) : 0, ctx);
    let message = line.slice(m[0].length);
    let host: string | null = m[8] ?? null;
    // "HOST TAG: msg": when the word after the time ends with ':' it is a tag, not a host.
    // "Mmm dd hh:mm:ss CEF:0|Vendor|..." or "... date=2024-01-01 time=..": no host at all, and the
    // first word of the message is not a host name (one has no '|', '=', quotes or braces).
    if (host && (host.endsWith(':') || !HOSTNAME.test(host))) {
      message = line.slice(m[0].length - host.length - 1);
      host = null;
    }
    const tag = tagOf(message);
    return { pri: m[1] ? Number(m[1]) : null, host, time, program: tag?.program ?? null, message: tag ? message.slice(tag.length) : message };
  }
  m = PRI_ONLY.exec(line);
  if (m) return { pri: Number(m[1]), host: null, time: null, message: line.slice(m[0].length) };
  return { pri: null, host: null, time: null, message: line };
}

const nil = (v: string) => (v === '-' ? null : v);

/** "suricata[123]: msg" or "CEF:0|.." — a program tag to drop, but never a CEF/LEEF prefix. */
function tagOf(message: string): { program: string; length: number } | null {
  if (/^(CEF|LEEF):/.test(message)) return null;
  const m = /^([A-Za-z0-9_./-]{1,48})(\[\d+\])?: /.exec(message);
  return m ? { program: m[1], length: m[0].length } : null;
}
