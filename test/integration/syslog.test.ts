import dgram from 'node:dgram';
import net from 'node:net';
import { SyslogService } from '../../src/ingest/syslog/syslog.service';
import { eventually, startTestApp, type TestApp } from '../helpers/app';

const fast = (n: number, src: string) => `07/11/2022-10:29:${String(n).padStart(2, '0')}.860293  [**] [1:2008578:4] ET SCAN Sipvicious Scan [**] [Classification: Attempted Information Leak] [Priority: 2] {UDP} ${src}:5116 -> 10.11.0.9:5060`;

describe('syslog listeners', () => {
  let app: TestApp;
  let udpPort: number;
  let tcpPort: number;
  let strangerPort: number;

  beforeAll(async () => {
    app = await startTestApp({
      syslog: [
        { name: 'udp', protocol: 'udp', host: '127.0.0.1', port: 0, senders: [{ cidr: '127.0.0.0/8', jurisdiction: 'seoul-jongno', format: 'auto' }] },
        { name: 'tcp', protocol: 'tcp', host: '127.0.0.1', port: 0, senders: [{ cidr: '127.0.0.0/8', jurisdiction: 'seoul-gangnam', format: 'snort-fast', timezone: '+09:00' }] },
        // Only 10.99.0.0/16 may send here: loopback is an unknown sender.
        { name: 'strangers', protocol: 'udp', host: '127.0.0.1', port: 0, senders: [{ cidr: '10.99.0.0/16', jurisdiction: 'seoul-mapo', format: 'auto' }] },
      ],
    });
    const bound = app.app.get(SyslogService).bound;
    udpPort = bound.find((b) => b.name === 'udp')!.port;
    tcpPort = bound.find((b) => b.name === 'tcp')!.port;
    strangerPort = bound.find((b) => b.name === 'strangers')!.port;
  });
  afterAll(() => app.close());

  const alerts = async (j: string) => (await app.call('GET', `/v1/alerts?jurisdiction=${j}&limit=100`)).body.items;

  it('takes RFC 3164 and RFC 5424 over UDP and maps the sender to its jurisdiction', async () => {
    const sock = dgram.createSocket('udp4');
    const send = (msg: string) => new Promise<void>((r) => sock.send(msg, udpPort, '127.0.0.1', () => r()));
    await send(`<13>Jul 11 10:29:01 ids-1 suricata: ${fast(1, '203.0.113.1')}`);
    await send(`<134>1 2022-07-11T01:29:02.000+00:00 ids-2 suricata 99 - [meta seq="1"] ${fast(2, '203.0.113.2')}`);
    sock.close();
    const got = await eventually(async () => ((await alerts('seoul-jongno')).length === 2 ? alerts('seoul-jongno') : null));
    expect(got.map((a) => a.source.ip).sort()).toEqual(['203.0.113.1', '203.0.113.2']);
    expect(got.every((a) => a.format === 'snort-fast')).toBe(true);
  });

  it('takes TCP with both octet-counting and LF framing, in one connection', async () => {
    const m1 = `<13>Jul 11 10:29:03 ids ${fast(3, '203.0.113.3')}`;
    const m2 = `<13>Jul 11 10:29:04 ids ${fast(4, '203.0.113.4')}`;
    const m3 = `<13>Jul 11 10:29:05 ids ${fast(5, '203.0.113.5')}`;
    const conn = net.connect(tcpPort, '127.0.0.1');
    await new Promise((r) => conn.once('connect', r));
    const framed = `${Buffer.byteLength(m1)} ${m1}${Buffer.byteLength(m2)} ${m2}`;
    // Split mid-frame: framing must survive arbitrary TCP segmentation.
    conn.write(framed.slice(0, 40));
    await new Promise((r) => setTimeout(r, 20));
    conn.write(framed.slice(40));
    conn.write(`${m3}\n`);
    conn.end();
    const got = await eventually(async () => ((await alerts('seoul-gangnam')).length === 3 ? alerts('seoul-gangnam') : null));
    expect(got.map((a) => a.source.ip).sort()).toEqual(['203.0.113.3', '203.0.113.4', '203.0.113.5']);
  });

  it('counts and drops unknown senders', async () => {
    const sock = dgram.createSocket('udp4');
    await new Promise<void>((r) => sock.send(`<13>Jul 11 10:29:09 x ${fast(9, '203.0.113.9')}`, strangerPort, '127.0.0.1', () => r()));
    sock.close();
    const metric = await eventually(async () => {
      const text = (await app.call('GET', '/metrics', { key: null })).text;
      return /gwanje_syslog_dropped_total\{listener="strangers",reason="unknown_sender"\} 1/.test(text) ? text : null;
    });
    expect(metric).toBeTruthy();
    expect(await alerts('seoul-mapo')).toHaveLength(0);
  });

  it('rejects a bad syslog line into the rejects store without losing its neighbours', async () => {
    const sock = dgram.createSocket('udp4');
    await new Promise<void>((r) => sock.send(`<13>Jul 11 10:29:10 ids garbage that is no alert\n<13>Jul 11 10:29:11 ids ${fast(11, '203.0.113.11')}`, udpPort, '127.0.0.1', () => r()));
    sock.close();
    await eventually(async () => (await alerts('seoul-jongno')).some((a) => a.source.ip === '203.0.113.11'));
    const rejects = await app.call('GET', '/v1/ingest/rejects?jurisdiction=seoul-jongno');
    expect(rejects.body.items.some((r) => r.source === 'syslog' && r.raw.includes('garbage'))).toBe(true);
  });

  it('names a reject by sender, listener and receive time, not by its place in an internal batch', async () => {
    const before = Date.now();
    const sock = dgram.createSocket('udp4');
    await new Promise<void>((r) => sock.send('<13>Jul 11 10:29:12 ids noise nobody can parse', udpPort, '127.0.0.1', () => r()));
    sock.close();
    const reject = await eventually(async () => {
      const items = (await app.call('GET', '/v1/ingest/rejects?jurisdiction=seoul-jongno')).body.items;
      return items.find((r) => r.raw.includes('noise nobody can parse'));
    });
    expect(reject).toMatchObject({ source: 'syslog', sender: '127.0.0.1', listener: 'udp' });
    expect(reject.line).toBeUndefined();
    expect(Date.parse(reject.received ?? '')).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(Date.parse(reject.received ?? '')).toBeLessThanOrEqual(Date.now());
  });

  it('counts every message: identical RFC 3164 lines in the same second are separate alerts, over UDP and TCP', async () => {
    // A brute force repeats itself exactly: same second, same text.
    const udpLine = `<13>Jul 11 10:29:20 ids suricata: ${fast(20, '203.0.113.20')}`;
    const sock = dgram.createSocket('udp4');
    for (let i = 0; i < 3; i++) await new Promise<void>((r) => sock.send(udpLine, udpPort, '127.0.0.1', () => r()));
    // Two identical lines in one datagram are two messages too.
    await new Promise<void>((r) => sock.send(`${udpLine}\n${udpLine}`, udpPort, '127.0.0.1', () => r()));
    sock.close();
    const tcpLine = `<13>Jul 11 10:29:21 ids ${fast(21, '203.0.113.21')}`;
    const conn = net.connect(tcpPort, '127.0.0.1');
    await new Promise((r) => conn.once('connect', r));
    conn.end(`${tcpLine}\n${tcpLine}\n${Buffer.byteLength(tcpLine)} ${tcpLine}`);
    const fromIp = async (j: string, ip: string) => (await alerts(j)).filter((a) => a.source.ip === ip);
    const udp = await eventually(async () => ((await fromIp('seoul-jongno', '203.0.113.20')).length === 5 ? fromIp('seoul-jongno', '203.0.113.20') : null));
    const tcp = await eventually(async () => ((await fromIp('seoul-gangnam', '203.0.113.21')).length === 3 ? fromIp('seoul-gangnam', '203.0.113.21') : null));
    expect(new Set(udp.map((a) => a.id)).size).toBe(5);
    expect(new Set(tcp.map((a) => a.id)).size).toBe(3);
    expect(new Set(udp.map((a) => a.original))).toEqual(new Set([udpLine]));
  });
});
