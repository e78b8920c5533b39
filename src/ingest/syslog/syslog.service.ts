import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import net from 'node:net';
import ipaddr from 'ipaddr.js';
import { CONFIG } from '../../infra/config/config.module';
import type { GwanjeConfig } from '../../infra/config/config.schema';
import { MetricsService } from '../../infra/metrics/metrics.service';
import type { FormatId } from '../../contracts/alert';
import { FormatsRegistry } from '../../formats/formats.registry';
import { canonicalIp } from '../../normalize/ip';
import { decodeText } from '../../normalize/normalizer';
import type { BodyLine } from '../body';
import { IngestService } from '../ingest.service';
import { IngestTotals } from '../ingest-totals.service';
import { SyslogTcpFramer } from './syslog-framing';
import { listenError } from '../../infra/listen-error';
import { syslogEnvName } from '../../infra/config/config.loader';

type ListenerConfig = GwanjeConfig['syslog'][number];
interface Route {
  jurisdiction: string;
  format: FormatId;
  timezone?: string;
}
interface Pending extends Route {
  lines: BodyLine[];
  timer?: NodeJS.Timeout;
}

const FLUSH_MS = 50;
/** UDP receive buffer asked for when a listener sets none. */
export const DEFAULT_UDP_RECEIVE_BUFFER = 8 * 1024 * 1024;

/** UDP and TCP syslog listeners; each maps sender ranges to a jurisdiction and format, then batches into the ingest path. */
@Injectable()
export class SyslogService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly log = new Logger('syslog');
  private readonly closers: Array<() => Promise<void>> = [];
  private readonly pending = new Map<string, Pending>();
  private readonly inflight = new Set<Promise<unknown>>();
  /** Listening sockets; UDP ones with the receive buffer the kernel granted (getRecvBufferSize). */
  readonly bound: Array<{ name: string; protocol: 'udp' | 'tcp'; port: number; receiveBufferBytes?: number }> = [];
  /** Per-process nonce and counter: together unique per received message, across restarts and API instances. */
  private readonly nonce = randomBytes(6).toString('base64url');
  private sequence = 0;

  constructor(
    @Inject(CONFIG) private readonly config: GwanjeConfig,
    private readonly ingest: IngestService,
    private readonly metrics: MetricsService,
    private readonly formats: FormatsRegistry,
    private readonly totals: IngestTotals,
  ) {}

  async onApplicationBootstrap() {
    if (this.config.role === 'worker') return;
    // A sender's format may be a LogFormat id: it must be loaded by now (formats load at module init).
    for (const [i, l] of this.config.syslog.entries())
      for (const [j, s] of l.senders.entries())
        if (!this.formats.has(s.format)) throw new Error(`config syslog[${i}].senders[${j}].format: unknown format ${JSON.stringify(s.format)} (not built in and not loaded from ${this.formats.dir}); known: ${this.formats.ids().join(', ')}`);
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
    // Past the ingest bounds the listener keeps reading (a sender cannot be told to wait) but sheds, counted, instead of queueing.
    if (this.totals.refusalNow()) return this.shed(p.lines);
    const work = this.ingest
      .ingest(p.lines, { jurisdiction: p.jurisdiction, format: p.format, timezone: p.timezone, source: 'syslog' })
      .catch((err) => this.log.error({ err, jurisdiction: p.jurisdiction, lines: p.lines.length }, 'syslog batch could not be enqueued'))
      .finally(() => this.inflight.delete(work));
    this.inflight.add(work);
  }

  private shed(lines: BodyLine[]) {
    const byListener = new Map<string, number>();
    for (const l of lines) if (l.origin) byListener.set(l.origin.listener, (byListener.get(l.origin.listener) ?? 0) + 1);
    for (const [listener, n] of byListener) this.metrics.syslogDropped.inc({ listener, reason: 'backpressure' }, n);
    const work = this.totals
      .shed(lines.length)
      .catch((err) => this.log.warn({ err }, 'syslog shed count not recorded'))
      .finally(() => this.inflight.delete(work));
    this.inflight.add(work);
  }

  private startUdp(l: ListenerConfig) {
    const route = this.router(l);
    const family = net.isIPv6(l.host) ? 'udp6' : 'udp4';
    const requested = l.receiveBufferBytes ?? DEFAULT_UDP_RECEIVE_BUFFER;
    // A burst larger than the receive buffer is dropped by the kernel before Node sees it (default ~208 KiB).
    const socket = dgram.createSocket({ type: family, recvBufferSize: requested });
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
        const port = socket.address().port;
        // Linux grants min(requested, net.core.rmem_max), doubled for bookkeeping: less than asked means capped.
        const effective = socket.getRecvBufferSize();
        this.bound.push({ name: l.name, protocol: 'udp', port, receiveBufferBytes: effective });
        if (effective < requested) this.log.warn({ listener: l.name, requested, effective }, 'udp receive buffer capped by the kernel (raise net.core.rmem_max, or send over TCP)');
        this.log.log({ listener: l.name, port, receiveBufferBytes: effective }, 'syslog udp listening');
        const unwatch = this.metrics.watchUdpDrops(l.name, port, family);
        this.closers.push(() => new Promise((r) => socket.close(() => (unwatch(), r()))));
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
