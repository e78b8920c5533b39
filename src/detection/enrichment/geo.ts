import { readFileSync } from 'node:fs';
import path from 'node:path';
import ipaddr from 'ipaddr.js';
import { Reader, type Response as MmdbRecord } from 'mmdb-lib';
import type { GeoInfo } from '../rules/matcher';

/**
 * Offline enrichment of source IPs, from data shipped in npm packages (nothing is fetched at run
 * time; SOC networks are closed):
 * - country: @ip-location-db/geo-whois-asn-country-mmdb (GeoFeed + RIR whois + ASN country;
 *   CC BY 4.0 data by the NRO, package marked CC0), read with mmdb-lib;
 * - AS number and organisation: @ip-location-db/asn (RouteViews + RIR + DB-IP ASN Lite, CC BY 4.0),
 *   read from its CSV files into sorted ranges (the asn-mmdb variant is not among the project's
 *   vetted dependencies; the ranges cost ~1 s and ~60 MB once per process).
 * Loaded once per process (first use), then every lookup is in memory.
 */
export interface GeoDb {
  lookup(ip: string): GeoInfo;
  readonly source: string;
}

interface Ranges4 {
  start: Uint32Array;
  end: Uint32Array;
  asn: Uint32Array;
  org: Uint32Array;
}
interface Ranges6 {
  start: bigint[];
  end: bigint[];
  asn: Uint32Array;
  org: Uint32Array;
}

function packageFile(pkg: string, file: string): string {
  return path.join(path.dirname(require.resolve(`${pkg}/package.json`)), file);
}

/** Split one CSV line of `start,end,asn,org` where org may be quoted with doubled quotes. */
function splitAsnLine(line: string): [string, string, string, string] | null {
  const a = line.indexOf(',');
  const b = line.indexOf(',', a + 1);
  const c = line.indexOf(',', b + 1);
  if (a < 0 || b < 0 || c < 0) return null;
  let org = line.slice(c + 1);
  if (org.startsWith('"')) org = org.slice(1, org.endsWith('"') ? -1 : undefined).replace(/""/g, '"');
  return [line.slice(0, a), line.slice(a + 1, b), line.slice(b + 1, c), org];
}

function loadAsn(): { v4: Ranges4; v6: Ranges6; orgs: string[] } {
  const orgs: string[] = [];
  const orgIndex = new Map<string, number>();
  const orgId = (o: string) => {
    let i = orgIndex.get(o);
    if (i === undefined) {
      i = orgs.push(o) - 1;
      orgIndex.set(o, i);
    }
    return i;
  };
  const text4 = readFileSync(packageFile('@ip-location-db/asn', 'asn-ipv4-num.csv'), 'utf8').split('\n');
  const v4: Ranges4 = { start: new Uint32Array(text4.length), end: new Uint32Array(text4.length), asn: new Uint32Array(text4.length), org: new Uint32Array(text4.length) };
  let n = 0;
  for (const line of text4) {
    const f = splitAsnLine(line);
    if (!f) continue;
    v4.start[n] = Number(f[0]);
    v4.end[n] = Number(f[1]);
    v4.asn[n] = Number(f[2]);
    v4.org[n] = orgId(f[3]);
    n++;
  }
  const trim4 = (a: Uint32Array) => a.subarray(0, n);
  const r4 = { start: trim4(v4.start), end: trim4(v4.end), asn: trim4(v4.asn), org: trim4(v4.org) };
  const text6 = readFileSync(packageFile('@ip-location-db/asn', 'asn-ipv6-num.csv'), 'utf8').split('\n');
  const v6: Ranges6 = { start: [], end: [], asn: new Uint32Array(text6.length), org: new Uint32Array(text6.length) };
  let m = 0;
  for (const line of text6) {
    const f = splitAsnLine(line);
    if (!f) continue;
    v6.start.push(BigInt(f[0]));
    v6.end.push(BigInt(f[1]));
    v6.asn[m] = Number(f[2]);
    v6.org[m] = orgId(f[3]);
    m++;
  }
  return { v4: r4, v6, orgs };
}

/** Last index whose start ≤ x in an ascending array, or −1. */
function floorIndex<T extends number | bigint>(starts: ArrayLike<T>, x: T): number {
  let lo = 0;
  let hi = starts.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (starts[mid] <= x) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

function v6ToBigInt(addr: ipaddr.IPv6): bigint {
  let out = 0n;
  for (const part of addr.parts) out = (out << 16n) | BigInt(part);
  return out;
}

class PackagedGeoDb implements GeoDb {
  readonly source = '@ip-location-db/geo-whois-asn-country-mmdb + @ip-location-db/asn';
  private readonly country: Reader<MmdbRecord>; // geo-whois-asn-country records are { country_code }, read below
  private readonly asn: ReturnType<typeof loadAsn>;

  constructor() {
    this.country = new Reader(readFileSync(packageFile('@ip-location-db/geo-whois-asn-country-mmdb', 'geo-whois-asn-country.mmdb')));
    this.asn = loadAsn();
  }

  lookup(ip: string): GeoInfo {
    let addr: ipaddr.IPv4 | ipaddr.IPv6;
    try {
      addr = ipaddr.parse(ip);
    } catch {
      return { country: null, asn: null, org: null };
    }
    if (addr.range() !== 'unicast') return { country: null, asn: null, org: null }; // private, loopback, documentation...
    let country: string | null;
    try {
      country = (this.country.get(ip) as { country_code?: string } | null)?.country_code ?? null;
    } catch {
      country = null;
    }
    let asn: number | null = null;
    let org: string | null = null;
    if (addr.kind() === 'ipv4') {
      const x = ((addr as ipaddr.IPv4).octets.reduce((a, o) => a * 256 + o, 0)) >>> 0;
      const i = floorIndex(this.asn.v4.start, x);
      if (i >= 0 && this.asn.v4.end[i] >= x) {
        asn = this.asn.v4.asn[i];
        org = this.asn.orgs[this.asn.v4.org[i]];
      }
    } else {
      const x = v6ToBigInt(addr as ipaddr.IPv6);
      const i = floorIndex(this.asn.v6.start, x);
      if (i >= 0 && this.asn.v6.end[i] >= x) {
        asn = this.asn.v6.asn[i];
        org = this.asn.orgs[this.asn.v6.org[i]];
      }
    }
    return { country, asn, org };
  }
}

/** Enrichment turned off (or its data missing): every lookup is empty. */
export const NO_GEO: GeoDb = { source: 'none', lookup: () => ({ country: null, asn: null, org: null }) };

let shared: GeoDb | null = null;

/** The process-wide database, loaded on first call (~1 s, ~60 MB): the mmdb reader and ASN ranges live once per process. */
export function packagedGeoDb(): GeoDb {
  return (shared ??= new PackagedGeoDb());
}
