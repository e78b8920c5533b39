import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { SyslogService } from '../../src/ingest/syslog/syslog.service';
import { startTestApp, type TestApp } from '../helpers/app';

const onLinux = existsSync('/proc/net/udp');
const rmemMax = onLinux ? Number(readFileSync('/proc/sys/net/core/rmem_max', 'utf8')) : 0;
const senders = [{ cidr: '127.0.0.0/8', jurisdiction: 'seoul-jongno', format: 'suricata-eve' }];

describe('UDP syslog receive buffer and kernel drops', () => {
  let app: TestApp;
  const bound = (name: string) => app.app.get(SyslogService).bound.find((b) => b.name === name)!;
  const drops = async (listener: string) => {
    const text = (await app.call('GET', '/metrics')).text;
    const m = new RegExp(`^gwanje_syslog_udp_kernel_drops_total\\{listener="${listener}"\\} (\\d+)`, 'm').exec(text);
    return m ? Number(m[1]) : null;
  };

  beforeAll(async () => {
    app = await startTestApp({
      role: 'api',
      syslog: [
        { name: 'big', protocol: 'udp', host: '127.0.0.1', port: 0, senders },
        { name: 'asked', protocol: 'udp', host: '127.0.0.1', port: 0, senders, receiveBufferBytes: 256 * 1024 },
        { name: 'tiny', protocol: 'udp', host: '127.0.0.1', port: 0, senders, receiveBufferBytes: 4096 },
      ],
    });
  });
  afterAll(() => app.close());

  it('applies the configured receive buffer: 8 MiB by default, or what net.core.rmem_max allows', () => {
    // Linux reports twice what it grants (bookkeeping overhead) and grants at most rmem_max.
    const big = bound('big').receiveBufferBytes!;
    if (onLinux && rmemMax < 8 * 1024 * 1024) expect(big).toBe(2 * rmemMax);
    else expect(big).toBeGreaterThanOrEqual(8 * 1024 * 1024);
    expect(bound('asked').receiveBufferBytes).toBeGreaterThanOrEqual(onLinux ? Math.min(256 * 1024, rmemMax) : 256 * 1024);
  });

  it('exports each listener’s kernel drop counter on /metrics', async () => {
    expect(await drops('big')).toBe(0);
    expect(await drops('asked')).toBe(0);
  });

  (onLinux ? it : it.skip)('counts the datagrams the kernel dropped, from the real drops column', async () => {
    const port = bound('tiny').port;
    // A burst sent while this process (the listener's) is blocked in execFileSync: a 4 KiB buffer overflows.
    const line = JSON.stringify({ event_type: 'alert', src_ip: '203.0.113.9', pad: 'x'.repeat(900) });
    const script = `const s=require('dgram').createSocket('udp4');let n=0;const m=Buffer.from(process.argv[1]);(function go(){if(n++>=400)return s.close();s.send(m,${port},'127.0.0.1',go)})()`;
    execFileSync(process.execPath, ['-e', script, line], { stdio: 'ignore' });
    const table = readFileSync('/proc/net/udp', 'utf8');
    const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
    const kernel = Number(table.split('\n').find((l) => l.includes(`:${hexPort} `))!.trim().split(/\s+/)[12]);
    expect(kernel).toBeGreaterThan(0);
    expect(await drops('tiny')).toBeGreaterThanOrEqual(kernel);
  });
});
