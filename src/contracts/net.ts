import ipaddr from 'ipaddr.js';

/** IP addresses and networks: canonical text, CIDR ranges, containment. */

/**
 * Canonical text of an IP address: IPv4 dotted quad, IPv6 per RFC 5952 (lower case,
 * longest zero run compressed). IPv4-mapped IPv6 (::ffff:a.b.c.d) becomes the IPv4 address,
 * so one host is keyed once. Returns null for anything that is not an address.
 */
export function canonicalIp(input: string | null | undefined): string | null {
  if (input == null) return null;
  let text = input.trim();
  if (text.startsWith('[') && text.endsWith(']')) text = text.slice(1, -1);
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  if (!text || text.length > 64) return null;
  try {
    if (ipaddr.IPv4.isValidFourPartDecimal(text)) return ipaddr.IPv4.parse(text).toString();
    if (!ipaddr.IPv6.isValid(text)) return null;
    const v6 = ipaddr.IPv6.parse(text);
    if (v6.isIPv4MappedAddress()) return v6.toIPv4Address().toString();
    return v6.toRFC5952String();
  } catch {
    return null;
  }
}

/** An address or a CIDR network as a closed range of integers, with its canonical text. */
export interface IpNet {
  family: 4 | 6;
  prefix: number;
  first: bigint;
  last: bigint;
  /** Canonical text: a host is its address ("203.0.113.5"), a network its network address and prefix ("203.0.113.0/24"). */
  text: string;
  host: boolean;
}

const BITS = { 4: 32, 6: 128 } as const;

function toBigInt(bytes: number[]): bigint {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  return n;
}

function fromBigInt(n: bigint, family: 4 | 6): string {
  const bytes: number[] = new Array(family === 4 ? 4 : 16);
  for (let i = bytes.length - 1; i >= 0; i--) {
    bytes[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  const addr = ipaddr.fromByteArray(bytes);
  return addr.kind() === 'ipv6' ? (addr as ipaddr.IPv6).toRFC5952String() : addr.toString();
}

function build(family: 4 | 6, addrBytes: number[], prefix: number): IpNet {
  const bits = BITS[family];
  const hostBits = BigInt(bits - prefix);
  const mask = ((1n << BigInt(bits)) - 1n) >> hostBits << hostBits;
  const first = toBigInt(addrBytes) & mask;
  const last = first | ((1n << hostBits) - 1n);
  const host = prefix === bits;
  return { family, prefix, first, last, host, text: host ? fromBigInt(first, family) : `${fromBigInt(first, family)}/${prefix}` };
}

/**
 * Parse an IP address or CIDR into its canonical network. IPv6 follows RFC 5952; IPv4-mapped IPv6
 * (::ffff:a.b.c.d, and ::ffff:0:0/96 and longer prefixes) becomes IPv4, so one host has one key.
 * Host bits of a CIDR are cleared (203.0.113.7/24 → 203.0.113.0/24); /32 and /128 are hosts.
 * Returns null for anything else (ranges "a-b", masks "a/255.0.0.0", zones, junk).
 */
export function parseNet(input: string | null | undefined): IpNet | null {
  if (typeof input !== 'string') return null;
  const text = input.trim();
  if (!text || text.length > 64) return null;
  const slash = text.indexOf('/');
  const addrText = slash < 0 ? text : text.slice(0, slash);
  let prefix: number | null = null;
  if (slash >= 0) {
    const p = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(p)) return null;
    prefix = Number(p);
  }
  if (addrText.includes('%') || addrText.startsWith('[')) return null;
  const canonical = canonicalIp(addrText);
  if (!canonical) return null;
  const isV6Text = addrText.includes(':');
  if (!isV6Text) {
    if (prefix !== null && prefix > 32) return null;
    return build(4, ipaddr.IPv4.parse(canonical).toByteArray(), prefix ?? 32);
  }
  if (prefix !== null && prefix > 128) return null;
  const v6 = ipaddr.IPv6.parse(addrText);
  if (v6.isIPv4MappedAddress() && (prefix === null || prefix >= 96)) return build(4, v6.toIPv4Address().toByteArray(), (prefix ?? 128) - 96);
  return build(6, v6.toByteArray(), prefix ?? 128);
}

/** Two networks overlap when they share any address (CIDRs either nest or are disjoint). */
export const overlaps = (a: IpNet, b: IpNet) => a.family === b.family && a.first <= b.last && b.first <= a.last;

/** `outer` contains every address of `inner`. */
export const contains = (outer: IpNet, inner: IpNet) => outer.family === inner.family && outer.first <= inner.first && inner.last <= outer.last;

/** Parse a list of known-good CIDRs (bundled ranges, config); throws on a typo so it is caught at start. */
export function mustParseNet(text: string): IpNet {
  const net = parseNet(text);
  if (!net) throw new Error(`not an IP address or CIDR: ${text}`);
  return net;
}

/** Host names in the allowlist: DNS labels (underscores tolerated), optional trailing dot. */
const HOST_NAME = /^(?=.{1,253}\.?$)(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.)*[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.?$/i;

/** Is this an allowlist entry: an IP address, a CIDR or a host name? (config validation) */
export function isWebhookAllowEntry(entry: string): boolean {
  return parseNet(entry) !== null || (HOST_NAME.test(entry) && !/^[\d.]+$/.test(entry));
}
