import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** One socket row of /proc/net/udp or /proc/net/udp6. */
export interface UdpSocketRow {
  /** Hex as the kernel prints it (host byte order words). */
  localAddress: string;
  localPort: number;
  inode: number;
  /** Datagrams the kernel dropped for this socket (receive buffer full, among others). */
  drops: number;
}

/**
 * Parse /proc/net/udp{,6}: after the heading, `sl local_address rem_address st tx_queue:rx_queue
 * tr:tm->when retrnsmt uid timeout inode ref pointer drops`, whitespace-separated.
 */
export function parseProcNetUdp(text: string): UdpSocketRow[] {
  const rows: UdpSocketRow[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 13 || !/^\d+:$/.test(f[0])) continue;
    const colon = f[1].lastIndexOf(':');
    rows.push({ localAddress: f[1].slice(0, colon), localPort: parseInt(f[1].slice(colon + 1), 16), inode: Number(f[9]), drops: Number(f[12]) });
  }
  return rows;
}

/** Inodes of this process' open sockets (/proc/self/fd links read `socket:[inode]`). */
function ownSocketInodes(): Set<number> {
  const out = new Set<number>();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
      if (m) out.add(Number(m[1]));
    } catch {
      // closed meanwhile
    }
  }
  return out;
}

/**
 * Kernel drops of this process' UDP socket bound to `port`, or null where there is no
 * /proc/net/udp (not Linux) or no such socket. When another process' socket shares the port
 * (SO_REUSEPORT), only this process' own inodes count.
 */
export function udpSocketDrops(port: number, family: 'udp4' | 'udp6', read: (path: string) => string = (p) => readFileSync(p, 'utf8')): number | null {
  let rows: UdpSocketRow[];
  try {
    rows = parseProcNetUdp(read(family === 'udp6' ? '/proc/net/udp6' : '/proc/net/udp')).filter((r) => r.localPort === port);
  } catch {
    return null;
  }
  if (rows.length > 1) {
    const own = ownSocketInodes();
    rows = rows.filter((r) => own.has(r.inode));
  }
  return rows.length ? rows.reduce((n, r) => n + r.drops, 0) : null;
}
