import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import net from 'node:net';
import ipaddr from 'ipaddr.js';
import { CONFIG } from '../../infra/config/config.module';
import type { GwanjeConfig } from '../../infra/config/config.schema';
import { MetricsService } from '../../infra/metrics/metrics.service';
import type { IngestFormat } from '../../contracts/alert';
import { canonicalIp } from '../../normalize/ip';
import { decodeText } from '../../normalize/normalizer';
import type { BodyLine } from '../body';
import { IngestService } from '../ingest.service';
import { SyslogTcpFramer } from './syslog-framing';
import { listenError } from '../../infra/listen-error';
import { syslogEnvName } from '../../infra/config/config.loader';

type ListenerConfig = GwanjeConfig['syslog'][number];
interface Route {
  jurisdiction: string;
  format: IngestFormat;
  timezone?: string;
}
interface Pending extends Route {
  lines: BodyLine[];
  timer?: NodeJS.Timeout;
}

const FLUSH_MS = 50;

/** UDP and TCP syslog listeners; each maps sender ranges to a jurisdiction and format, then batches into the ingest path. */
@Injectable()
export class SyslogService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly log = new Logger('syslog');
  private readonly closers: Array<() => Promise<void>> = [];
  private readonly pending = new Map<string, Pending>();
  private readonly inflight = new Set<Promise<unknown>>();
  readonly bound: Array<{ name: string; protocol: 'udp' | 'tcp'; port: number }> = [];
  /** Per-process nonce and counter: together unique per received message, across restarts and API instances. */
  private readonly nonce = randomBytes(6).toString('base64url');
  private sequence = 0;

  constructor(
    @Inject(CONFIG) private readonly config: GwanjeConfig,
    private readonly ingest: IngestService,
    private readonly metrics: MetricsService,
  ) {}

  async onApplicationBootstrap() {
    if (this.config.role === 'worker') return;
    for (const [i, l] of this.config.syslog.entries()) {
      try {
        await (l.protocol === 'udp' ? this.startUdp(l) : this.startTcp(l));
      } catch (err) {
        // Close the listeners already bound, then name the one that failed and its config key.
        await Promise.allSettled(this.closers.splice(0).map((c) => c()));
        const env = ['GWANJE_SYSLOG_PORT', `GWANJE_SYSLOG_PORT_${syslogEnvName(l.name)}`];
        throw listenError({ what: `syslog listener "${l.name}" (${l.protocol})`, key: `syslog[${i}].port`, env, host: l.host, port: l.port }, err as NodeJS.ErrnoException);
      }
    }
  }

  /** Stop accepting, then flush what is buffered. */
  async beforeApplicationShutdown() {
    await Promise.allSettled(this.closers.map((c) => c()));
    for (const key of [...this.pending.keys()]) this.flush(key);
    await Promise.allSettled([...this.inflight]);
  }

  private router(l: ListenerConfig): (address: string) => Route | null {
    const ranges = l.senders.map((s) => ({ range: ipaddr.parseCIDR(s.cidr), route: { jurisdiction: s.jurisdiction, format: s.format, timezone: s.timezone } }));
    return (address) => {
      const ip = canonicalIp(address);
      if (!ip) return null;
      const addr = ipaddr.parse(ip);
      const hit = ranges.find(({ range }) => range[0].kind() === addr.kind() && addr.match(range));
      return hit ? hit.route : null;
    };
  }

  private accept(l: ListenerConfig, route: Route | null, message: Buffer, sender: string) {
    if (!route) return this.metrics.syslogDropped.inc({ listener: l.name, reason: 'unknown_sender' });
    const receivedAt = Date.now();
    const from = canonicalIp(sender) ?? sender;
    const key = `${route.jurisdiction}\0${route.format}\0${route.timezone ?? ''}`;
    let p = this.pending.get(key);
    if (!p) this.pending.set(key, (p = { ...route, lines: [] }));
    // Each message is its own alert (never merged with an identical one) and its rejects name sender, listener and time.
    for (const text of decodeText(message).split('\n'))
      if (text.trim()) p.lines.push({ line: p.lines.length + 1, text, origin: { listener: l.name, sender: from, receivedAt, messageId: `${this.nonce}.${++this.sequence}` } });
    if (p.lines.length >= this.config.ingest.chunkSize) this.flush(key);
    else p.timer ??= setTimeout(() => this.flush(key), FLUSH_MS);
  }

  private flush(key: string) {
    const p = this.pending.get(key);
    if (!p) return;
    this.pending.delete(key);
    clearTimeout(p.timer);
    const work = this.ingest
      .ingest(p.lines, { jurisdiction: p.jurisdiction, format: p.format, timezone: p.timezone, source: 'syslog' })
      .catch((err) => this.log.error({ err, jurisdiction: p.jurisdiction, lines: p.lines.length }, 'syslog batch could not be enqueued'))
      .finally(() => this.inflight.delete(work));
    this.inflight.add(work);
  }

  private startUdp(l: ListenerConfig) {
    const route = this.router(l);
    const socket = dgram.createSocket(net.isIPv6(l.host) ? 'udp6' : 'udp4');
    socket.on('message', (msg, rinfo) => this.accept(l, route(rinfo.address), msg, rinfo.address));
    socket.on('error', (err) => this.log.error({ err, listener: l.name }, 'udp listener error'));
    return new Promise<void>((resolve, reject) => {
      socket.once('error', (err) => {
        try {
          socket.close();
        } catch {
          // already closed
        }
        reject(err);
      });
      socket.bind(l.port, l.host, () => {
        this.bound.push({ name: l.name, protocol: 'udp', port: socket.address().port });
        this.log.log({ listener: l.name, port: socket.address().port }, 'syslog udp listening');
        this.closers.push(() => new Promise((r) => socket.close(() => r())));
        resolve();
      });
    });
  }

  private startTcp(l: ListenerConfig) {
    const route = this.router(l);
    const sockets = new Set<net.Socket>();
    const server = net.createServer((conn) => {
      sockets.add(conn);
      const r = route(conn.remoteAddress ?? '');
      if (!r) {
        this.metrics.syslogDropped.inc({ listener: l.name, reason: 'unknown_sender' });
        conn.destroy();
        return;
      }
      const framer = new SyslogTcpFramer(
        this.config.ingest.maxLineBytes,
        (m) => this.accept(l, r, m, conn.remoteAddress ?? ''),
        () => this.metrics.syslogDropped.inc({ listener: l.name, reason: 'too_long' }),
      );
      conn.on('data', (d) => framer.push(d));
      conn.on('end', () => framer.end());
      conn.on('error', () => undefined);
      conn.on('close', () => sockets.delete(conn));
    });
    return new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(l.port, l.host, () => {
        const port = (server.address() as net.AddressInfo).port;
        this.bound.push({ name: l.name, protocol: 'tcp', port });
        this.log.log({ listener: l.name, port }, 'syslog tcp listening');
        this.closers.push(
          () =>
            new Promise((r) => {
              server.close(() => r());
              for (const s of sockets) s.end();
              setTimeout(() => sockets.forEach((s) => s.destroy()), 1000).unref();
            }),
        );
        resolve();
      });
    });
  }
}
