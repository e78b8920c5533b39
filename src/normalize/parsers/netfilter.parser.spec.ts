import { expectAlert } from './parser-spec.helpers';
import type { ParseContext } from '../parser';
import { parseSyslogHeader } from '../syslog-header';
import { netfilterParser as p } from './netfilter.parser';

const ctx: ParseContext = { jurisdiction: 'test', receivedAt: Date.parse('2025-11-10T00:00:00Z'), timezone: '+09:00', originalMaxBytes: 4096 };

// crowdsec-hub iptables-scan-multi-port.log, whole lines (RFC 3164 header included)
const CORPUS_SCAN =
  'Sep 30 10:09:23 scw-d95986 kernel: [19955416.516358] IN=ens2 OUT= MAC=de:1c:88:64:10:19:5e:e1:a4:3b:cf:f0:08:00 SRC=62.34.17.168 DST=10.73.140.49 LEN=44 TOS=0x00 PREC=0x00 TTL=43 ID=25313 PROTO=TCP SPT=52220 DPT=80 WINDOW=1024 RES=0x00 SYN URGP=0';
const CORPUS_UFW =
  'Oct 30 10:09:23 vm-1 kernel: [UFW BLOCK] IN=lo OUT= MAC=00:00:00:00:00:00:00:00:00:00:00:00:08:00 SRC=127.0.0.2 DST=127.0.0.53 LEN=104 TOS=0x00 PREC=0x00 TTL=64 ID=16820 DF PROTO=TCP SPT=50616 DPT=53 LEN=84';
const CORPUS_AUDIT =
  'Oct 30 10:09:23 vm-1 kernel: [UFW AUDIT] IN=lo OUT= MAC=00:00:00:00:00:00:00:00:00:00:00:00:08:00 SRC=127.0.0.1 DST=127.0.0.53 LEN=104 TOS=0x00 PREC=0x00 TTL=64 ID=16820 DF PROTO=TCP SPT=50616 DPT=53 LEN=84';

/** What the normalizer hands the parser: the message after the syslog header and tag. */
const message = (line: string) => parseSyslogHeader(line, ctx).message;

const alertOf = expectAlert;

describe('netfilter parser', () => {
  test('the syslog header leaves the uptime stamp (or the log prefix) before IN=', () => {
    expect(message(CORPUS_SCAN).startsWith('[19955416.516358] IN=ens2 OUT= ')).toBe(true);
    expect(message(CORPUS_UFW).startsWith('[UFW BLOCK] IN=lo OUT= ')).toBe(true);
  });

  test('detect', () => {
    expect(p.detect(message(CORPUS_SCAN))).toBe(true);
    expect(p.detect(message(CORPUS_UFW))).toBe(true);
    expect(p.detect(CORPUS_SCAN)).toBe(true);
    expect(p.detect('IN=eth0 OUT= MAC= SRC=1.2.3.4 DST=5.6.7.8 PROTO=UDP')).toBe(true);
    expect(p.detect('IN=eth0 OUT= MAC= DST=5.6.7.8')).toBe(false);
    expect(p.detect('CEF:0|a|b|c|d|e|1|src=1.2.3.4 dst=5.6.7.8')).toBe(false);
    expect(p.detect('date=2024-10-14 srcip=1.2.3.4 dstip=5.6.7.8')).toBe(false);
    expect(p.detect('{"event_type":"alert","src_ip":"1.2.3.4"}')).toBe(false);
  });

  test('corpus scan line: no log prefix → rule name null, action unknown, receive time', () => {
    expect(alertOf(p.parse(message(CORPUS_SCAN), ctx))).toEqual({
      timestamp: '2025-11-10T00:00:00.000Z',
      timezone_source: 'received',
      observer: { vendor: 'Linux', product: 'netfilter', name: null },
      source: { ip: '62.34.17.168', port: 52220 },
      destination: { ip: '10.73.140.49', port: 80 },
      transport: 'tcp',
      rule: { id: null, name: null, category: 'firewall' },
      action: { value: 'unknown', raw: null },
      severity: { id: 2, raw: null },
      format: 'netfilter',
    });
  });

  test('UFW prefixes: BLOCK → blocked, AUDIT → unknown', () => {
    const block = alertOf(p.parse(message(CORPUS_UFW), ctx));
    expect(block.rule.name).toBe('[UFW BLOCK]');
    expect(block.action).toEqual({ value: 'blocked', raw: '[UFW BLOCK]' });
    expect(block.source).toEqual({ ip: '127.0.0.2', port: 50616 });
    expect(block.destination).toEqual({ ip: '127.0.0.53', port: 53 });
    const audit = alertOf(p.parse(message(CORPUS_AUDIT), ctx));
    expect(audit.rule.name).toBe('[UFW AUDIT]');
    expect(audit.action.value).toBe('unknown');
  });

  test.each([
    ['[ 1234.567890] iptables-drop: IN=eth0 OUT= SRC=1.2.3.4 DST=5.6.7.8 PROTO=TCP SPT=1 DPT=2', 'iptables-drop:', 'blocked'],
    ['kernel: [19955416.516358] [UFW REJECT] IN=eth0 OUT= SRC=1.2.3.4 DST=5.6.7.8 PROTO=TCP', '[UFW REJECT]', 'blocked'],
    ['Dropped by firewall: IN=eth0 OUT= SRC=1.2.3.4 PROTO=TCP', 'Dropped by firewall:', 'blocked'],
    ['fw-deny IN=eth0 OUT= SRC=1.2.3.4', 'fw-deny', 'blocked'],
    ['nft-in-accept IN=eth0 OUT= SRC=1.2.3.4', 'nft-in-accept', 'unknown'],
    ['[UFW ALLOW] IN=eth0 OUT= SRC=1.2.3.4', '[UFW ALLOW]', 'unknown'],
    ['IN=eth0 OUT= SRC=1.2.3.4', null, 'unknown'],
  ])('log prefix of %j', (line, name, action) => {
    const a = alertOf(p.parse(line, ctx));
    expect(a.rule.name).toBe(name);
    expect(a.action.value).toBe(action);
  });

  test('IPv6: fully expanded SRC/DST are canonicalized; ICMPv6 has no ports', () => {
    const a = alertOf(
      p.parse(
        '[UFW BLOCK] IN=eth0 OUT= MAC=33:33:00:00:00:01:00:11:22:33:44:55:86:dd SRC=2001:0db8:0000:0000:0000:0000:0000:0001 DST=ff02:0000:0000:0000:0000:0000:0000:0001 LEN=72 TC=0 HOPLIMIT=255 FLOWLBL=0 PROTO=ICMPv6 TYPE=134 CODE=0',
        ctx,
      ),
    );
    expect(a.source).toEqual({ ip: '2001:db8::1', port: null });
    expect(a.destination).toEqual({ ip: 'ff02::1', port: null });
    expect(a.transport).toBe('icmpv6');
  });

  test('UDP on output; forwarded packet with both interfaces', () => {
    const udp = alertOf(p.parse('OUTPUT-DROP: IN= OUT=eth0 SRC=10.0.0.5 DST=8.8.8.8 LEN=61 TOS=0x00 PREC=0x00 TTL=64 ID=1 PROTO=UDP SPT=53211 DPT=53 LEN=41', ctx));
    expect(udp.transport).toBe('udp');
    expect(udp.destination).toEqual({ ip: '8.8.8.8', port: 53 });
    const fwd = alertOf(p.parse('FWD IN=eth0 OUT=eth1 MAC=aa SRC=1.2.3.4 DST=10.0.0.9 PROTO=TCP SPT=1 DPT=3389', ctx));
    expect(fwd.rule.name).toBe('FWD');
    expect(fwd.destination.port).toBe(3389);
  });

  test('ICMP error quoting the offending packet: the outer packet counts', () => {
    const a = alertOf(
      p.parse(
        'IN=eth0 OUT= SRC=192.0.2.1 DST=10.0.0.1 LEN=56 PROTO=ICMP TYPE=3 CODE=3 [SRC=10.0.0.1 DST=192.0.2.1 LEN=28 PROTO=UDP SPT=5000 DPT=6000 LEN=8 ]',
        ctx,
      ),
    );
    expect(a.source).toEqual({ ip: '192.0.2.1', port: null });
    expect(a.destination).toEqual({ ip: '10.0.0.1', port: null });
    expect(a.transport).toBe('icmp');
  });

  test('numeric PROTO is kept as text', () => {
    expect(alertOf(p.parse('IN=eth0 OUT= SRC=1.2.3.4 DST=5.6.7.8 PROTO=2', ctx)).transport).toBe('2');
  });

  test('no SRC= → reject naming the field', () => {
    expect(p.parse('[UFW BLOCK] IN=eth0 OUT= DST=5.6.7.8 PROTO=TCP', ctx)).toEqual({ kind: 'reject', error: 'field SRC: missing' });
    // a SRC inside the quoted packet does not count as the packet's source
    expect(p.parse('IN=eth0 OUT= DST=5.6.7.8 [SRC=1.2.3.4]', ctx)).toEqual({ kind: 'reject', error: 'field SRC: missing' });
  });

  test('invalid SRC → reject', () => {
    expect(p.parse('IN=eth0 OUT= SRC=1.2.3.999 DST=5.6.7.8', ctx)).toEqual({ kind: 'reject', error: 'field SRC: not an IP address ("1.2.3.999")' });
  });

  test('not a netfilter line → reject', () => {
    expect(p.parse('hello SRC=1.2.3.4', ctx).kind).toBe('reject');
  });

  test('bad ports become null rather than failing the alert', () => {
    const a = alertOf(p.parse('IN=eth0 OUT= SRC=1.2.3.4 SPT=99999 DPT=abc', ctx));
    expect(a.source.port).toBeNull();
    expect(a.destination.port).toBeNull();
  });
});
