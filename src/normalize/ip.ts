import { canonicalIp } from '../contracts/net';

export { canonicalIp } from '../contracts/net';

/** Split "ip:port", "[v6]:port" or bare "v6" (the port follows the LAST colon only when the rest is an address). */
export function splitHostPort(text: string): { ip: string | null; port: number | null } {
  const t = text.trim();
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(t);
  if (bracket) return { ip: canonicalIp(bracket[1]), port: parsePort(bracket[2]) };
  const whole = canonicalIp(t);
  if (whole) return { ip: whole, port: null };
  const i = t.lastIndexOf(':');
  if (i < 0) return { ip: null, port: null };
  return { ip: canonicalIp(t.slice(0, i)), port: parsePort(t.slice(i + 1)) };
}

export function parsePort(value: unknown): number | null {
  if (value == null || value === '') return null;
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value.trim()) : NaN;
  return Number.isInteger(n) && n >= 0 && n <= 65535 ? n : null;
}

const IP_PROTOCOLS: Record<string, string> = { '1': 'icmp', '2': 'igmp', '6': 'tcp', '17': 'udp', '47': 'gre', '50': 'esp', '51': 'ah', '58': 'ipv6-icmp', '132': 'sctp' };

/** Transport as lower-case text; IANA protocol numbers (FortiGate `proto=6`) become their names. */
export function transportName(raw: string | null | undefined): string | null {
  if (raw == null) return null;
  const t = raw.trim().toLowerCase();
  if (!t) return null;
  return IP_PROTOCOLS[t] ?? t;
}

/**
 * Split "ip:port" text from a format that always writes a port (Snort's src_ap, alert_fast
 * endpoints, Apache's "[client ip:port]"). Unlike splitHostPort, the LAST colon wins even when
 * the whole text is itself a valid IPv6 address: "2001:db8::1:80" is 2001:db8::1 port 80.
 * Falls back to splitHostPort when the part before the last colon is not an address or the part
 * after it is not a port (so "[v6]:port", bare "::1" and bare "2001:db8::1" still work).
 */
export function splitAddrPort(text: string): { ip: string | null; port: number | null } {
  const t = text.trim();
  if (!t.startsWith('[')) {
    const i = t.lastIndexOf(':');
    const portText = i > 0 ? t.slice(i + 1) : '';
    if (/^\d{1,5}$/.test(portText)) {
      const ip = canonicalIp(t.slice(0, i));
      const port = parsePort(portText);
      if (ip && port != null) return { ip, port };
    }
  }
  return splitHostPort(t);
}
