import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP, type LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';
import { parseNet, type IpNet } from '../../contracts/net';
export { isWebhookAllowEntry } from '../../contracts/net';

/**
 * Where a notify step may POST (SSRF guard). By default only public unicast addresses: loopback,
 * private, link-local, CGNAT, multicast, unspecified, broadcast, reserved and documentation ranges,
 * IPv6 unique-local, IPv4-mapped / -compatible / -embedding forms (NAT64, 6to4, Teredo) and
 * anything outside 2000::/3 are refused — whether the URL names the address or a host name
 * resolves to it. `playbooks.webhooks.allow` (CIDRs or host names) lets real internal receivers
 * through. The check runs on the resolved address at connect time, and the connection goes to
 * exactly the address checked (a second DNS answer cannot swap it: no rebinding).
 */

export interface WebhookAllow {
  nets: IpNet[];
  /** Lower-case host names, without a trailing dot. */
  hosts: Set<string>;
}

export function webhookAllow(entries: readonly string[]): WebhookAllow {
  const nets: IpNet[] = [];
  const hosts = new Set<string>();
  for (const e of entries) {
    const net = parseNet(e);
    if (net) nets.push(net);
    else hosts.add(e.toLowerCase().replace(/\.$/, ''));
  }
  return { nets, hosts };
}

const NO_ALLOW: WebhookAllow = { nets: [], hosts: new Set() };

function inAllowedNet(address: string, allow: WebhookAllow): boolean {
  const a = parseNet(address); // IPv4-mapped IPv6 becomes IPv4, so 10.0.0.0/8 covers ::ffff:10.0.0.5
  return !!a && allow.nets.some((n) => n.family === a.family && n.first <= a.first && a.last <= n.last);
}

/** Ranges ipaddr.js names, in words for messages. */
const RANGE_WORDS: Record<string, string> = {
  unspecified: 'an unspecified',
  broadcast: 'a broadcast',
  multicast: 'a multicast',
  linkLocal: 'a link-local',
  loopback: 'a loopback',
  carrierGradeNat: 'a carrier-grade NAT (100.64.0.0/10)',
  private: 'a private',
  reserved: 'a reserved',
  uniqueLocal: 'a unique-local (fc00::/7)',
  ipv4Mapped: 'an IPv4-mapped IPv6',
  rfc6145: 'an IPv4-translated IPv6',
  rfc6052: 'a NAT64 (IPv4-embedding)',
  '6to4': 'a 6to4 (IPv4-embedding)',
  teredo: 'a Teredo (IPv4-embedding)',
};

/** Why an address may not receive webhooks (ignoring the allowlist), or null for a public unicast address. */
export function refusedAddressKind(address: string): string | null {
  if (!ipaddr.isValid(address)) return 'an invalid';
  const a = ipaddr.parse(address);
  const range = a.range();
  if (a.kind() === 'ipv6') {
    const parts = (a as ipaddr.IPv6).parts;
    // ::a.b.c.d (IPv4-compatible, deprecated) reads as unicast to ipaddr.js.
    if (range === 'unicast' && parts.slice(0, 6).every((p) => p === 0)) return 'an IPv4-compatible IPv6';
    // Only 2000::/3 is global unicast; the rest is reserved or special.
    if (range === 'unicast' && (parts[0] & 0xe000) !== 0x2000) return 'a reserved';
  }
  if (range === 'unicast') return null;
  return RANGE_WORDS[range] ?? `a special-purpose (${range})`;
}

/** The host as written in the URL text (before WHATWG parsing turns 0x7f000001 into 127.0.0.1). */
function writtenHost(raw: string): string | null {
  const m = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?(\[[^\]]*\]|[^:/?#]*)/i.exec(raw.trim());
  return m ? m[1].toLowerCase().replace(/\.$/, '') : null;
}

/** `https://soc.example:8443`: what run errors name (paths may carry tokens). */
export const originOf = (url: URL) => `${url.protocol}//${url.host}`;

const bare = (hostname: string) => hostname.replace(/^\[|\]$/g, '').toLowerCase().replace(/\.$/, '');

/**
 * Checks that need no DNS (validation at load, and again before a POST): refused literal addresses,
 * IPv4 written in another spelling (0x7f000001, 2130706433, 0177.0.0.1, 127.1), localhost names.
 * Returns why the URL is refused, or null. Host names are checked on their resolved addresses when posting.
 */
export function webhookUrlRefusal(raw: string, allow: WebhookAllow = NO_ALLOW): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'not a URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'only http and https webhooks';
  const host = bare(url.hostname);
  if (isIP(host) === 4 && writtenHost(raw) !== host) return `the address is written in a non-standard form (${writtenHost(raw)}); write it as ${host}`;
  if (isIP(host)) {
    if (inAllowedNet(host, allow)) return null;
    const kind = refusedAddressKind(host);
    return kind ? `${host} is ${kind} address; webhooks go to public addresses unless playbooks.webhooks.allow lists it` : null;
  }
  if (allow.hosts.has(host)) return null;
  if (host === 'localhost' || host.endsWith('.localhost')) return `${host} is a loopback name; webhooks go to public addresses unless playbooks.webhooks.allow lists it`;
  return null;
}

/** A webhook target the policy refuses: not retried, and says nothing about ports. */
export class WebhookRefused extends Error {
  override name = 'WebhookRefused';
}

export interface ResolvedTarget {
  address: string;
  family: 4 | 6;
}

export type Resolver = (host: string) => Promise<Array<{ address: string; family: number }>>;
const systemResolver: Resolver = (host) => dnsLookup(host, { all: true, verbatim: true });

/**
 * Resolve the URL's host and check every address; the POST then connects to the first one and no
 * other (see pinnedLookup). A host name in the allowlist passes whatever it resolves to; an address
 * passes when public or inside an allowed CIDR. DNS failures are thrown as they come (unreachable).
 */
export async function resolveWebhookTarget(raw: string, allow: WebhookAllow, resolve: Resolver = systemResolver): Promise<ResolvedTarget> {
  const early = webhookUrlRefusal(raw, allow);
  if (early) throw new WebhookRefused(early);
  const url = new URL(raw);
  const host = bare(url.hostname);
  const literal = isIP(host);
  const addresses = literal ? [{ address: host, family: literal }] : await resolve(host);
  if (!addresses.length) throw new Error(`${host}: no address`);
  if (literal || !allow.hosts.has(host)) {
    for (const a of addresses) {
      if (inAllowedNet(a.address, allow)) continue;
      const kind = refusedAddressKind(a.address);
      // The address itself stays out of the message: it would map internal DNS for whoever reads runs.
      if (kind) throw new WebhookRefused(`${host} resolves to ${kind} address; webhooks go to public addresses unless playbooks.webhooks.allow lists the host or its network`);
    }
  }
  const first = addresses[0];
  return { address: first.address, family: first.family === 6 ? 6 : 4 };
}

/** A `lookup` for http.request that answers the checked address only: what was checked is what is connected to. */
export function pinnedLookup(target: ResolvedTarget): LookupFunction {
  return (_host, options, callback) => {
    if (options.all) callback(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  };
}

/** Does the operator's allowlist name this URL's host (a listed host name, or a literal address inside a listed CIDR)? */
export function webhookUrlAllowlisted(raw: string, allow: WebhookAllow): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  const host = bare(url.hostname);
  return isIP(host) ? inAllowedNet(host, allow) : allow.hosts.has(host);
}
