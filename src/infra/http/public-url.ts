import type { FastifyRequest } from 'fastify';
import { contains, parseNet, type IpNet } from '../../contracts/net';
import type { GwanjeConfig } from '../config/config.schema';

type ServerConfig = Pick<GwanjeConfig['server'], 'publicUrl' | 'trustedProxies'>;

/** Trusted-proxy lists compiled once per config object. */
const compiled = new WeakMap<readonly string[], IpNet[]>();
function proxies(list: readonly string[]): IpNet[] {
  let nets = compiled.get(list);
  if (!nets) compiled.set(list, (nets = list.map((s) => parseNet(s)).filter((n): n is IpNet => !!n)));
  return nets;
}

/** Whether an address (as the socket reports it, IPv4-mapped or not) is one of the configured trusted proxies. */
export function isTrustedProxy(address: string | undefined, server: ServerConfig): boolean {
  const net = parseNet(address);
  return !!net && proxies(server.trustedProxies).some((p) => contains(p, net));
}

/** `host:port` with IPv6 in brackets and IPv4-mapped IPv6 written as IPv4. */
function authority(address: string, port: number): string {
  const text = parseNet(address)?.text ?? address;
  return text.includes(':') ? `[${text}]:${port}` : `${text}:${port}`;
}

/**
 * The base URL (scheme, authority and any path prefix, no trailing slash) clients use to reach this
 * API, for every absolute URL the API writes. In order: `server.publicUrl`; a trusted proxy's
 * X-Forwarded-Proto and X-Forwarded-Host; the local address the connection arrived on. The Host
 * header alone is never believed: anyone can send `Host: evil.example`.
 */
export function publicBaseUrl(req: FastifyRequest, server: ServerConfig): string {
  if (server.publicUrl) return server.publicUrl.replace(/\/+$/, '');
  const socket = req.raw.socket;
  const forwardedHost = req.headers['x-forwarded-host'];
  if (typeof forwardedHost === 'string' && forwardedHost && isTrustedProxy(socket?.remoteAddress, server)) {
    // Fastify (trustProxy = server.trustedProxies) reads the last X-Forwarded-Host/-Proto entry: the one our proxy set.
    const proto = /^https?$/.test(req.protocol) ? req.protocol : 'http';
    if (/^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/.test(req.host)) return `${proto}://${req.host}`;
  }
  const encrypted = (socket as { encrypted?: boolean } | undefined)?.encrypted === true;
  return `${encrypted ? 'https' : 'http'}://${authority(socket?.localAddress ?? '127.0.0.1', socket?.localPort ?? 80)}`;
}

/**
 * The client's address: the socket peer, or (when the peer is a trusted proxy) the first untrusted
 * address of X-Forwarded-For, as Fastify computes `request.ip` with trustProxy set to
 * `server.trustedProxies`. IPv4-mapped IPv6 is written as IPv4.
 */
export function clientAddress(req: FastifyRequest): string {
  const ip = req.ip ?? req.raw.socket?.remoteAddress ?? '';
  return parseNet(ip)?.text ?? ip;
}

/** The Fastify `trustProxy` option for the configured proxies (false: X-Forwarded-* are ignored). */
export function fastifyTrustProxy(server: ServerConfig): string[] | false {
  return server.trustedProxies.length ? [...server.trustedProxies] : false;
}
