import { expectAlert } from './parser-spec.helpers';
import type { ParseContext } from '../parser';
import { parseSyslogHeader } from '../syslog-header';
import { pfParser as p } from './pf.parser';

const ctx: ParseContext = { jurisdiction: 'test', receivedAt: Date.parse('2025-11-10T00:00:00Z'), timezone: '+09:00', originalMaxBytes: 4096 };

// crowdsec-hub pfsense-rfc5424-filterlog.log
const V4 =
  '<134>1 2025-11-06T11:32:42.868451+00:00 firewall.lan filterlog 92653 - - 7,,,1000000102,vtnet0.5,match,block,in,4,0x0,,64,19008,0,DF,6,tcp,60,192.168.5.6,192.168.1.100,42970,80,0,S,523876198,,64240,,mss;sackOK;TS;nop;wscale';
const V6 =
  '<134>1 2025-11-06T11:42:14.270789+00:00 firewall.lan filterlog 92653 - - 621,,,1644355515,vtnet0.10,match,block,in,6,0x00,0x07c63,64,TCP,6,44,fdfd:ace:ace:10:d8:cdbf:f6f8:6d69,fdfd:ace:ace:5::6,65382,443,0,S,1927530165,,0,,mss;nop;wscale;nop;nop;TS;sackOK;eol';

const message = (line: string) => parseSyslogHeader(line, ctx).message;

const alertOf = expectAlert;

describe('pf filterlog parser', () => {
  test('detect', () => {
    expect(p.detect(message(V4))).toBe(true);
    expect(p.detect(message(V6))).toBe(true);
    expect(p.detect('5,,,1000000103,em0,match,pass,out,4,0x0,,64,0,0,DF,17,udp,')).toBe(true);
    // OPNsense: the tracker is a hex rule label
    expect(p.detect('82,,,02f4bab031b57d1e30553ce08e0ec131,igb0,match,block,in,4,0x0,,242,1234,0,none,6,tcp,44,198.51.100.7,203.0.113.1,51234,23,0,S,1,,1024,,mss')).toBe(true);
    expect(p.detect(V4)).toBe(false); // header not stripped
    expect(p.detect('7,,,1000000102,vtnet0.5,match,block,in,5,')).toBe(false);
    expect(p.detect('7,,,1000000102,vtnet0.5,match,allow,in,4,')).toBe(false);
    expect(p.detect('a,b,c,d')).toBe(false);
    expect(p.detect('{"event_type":"alert"}')).toBe(false);
  });

  test('corpus IPv4 TCP block', () => {
    expect(alertOf(p.parse(message(V4), ctx))).toEqual({
      timestamp: '2025-11-10T00:00:00.000Z',
      timezone_source: 'received',
      observer: { vendor: 'pf', product: 'filterlog', name: null },
      source: { ip: '192.168.5.6', port: 42970 },
      destination: { ip: '192.168.1.100', port: 80 },
      transport: 'tcp',
      rule: { id: '1000000102', name: 'pf rule 7 on vtnet0.5', category: 'firewall' },
      action: { value: 'blocked', raw: 'block' },
      severity: { id: 2, raw: null },
      format: 'pf',
    });
  });

  test('corpus IPv6 TCP block: IPv6 column layout, upper-case proto-text', () => {
    const a = alertOf(p.parse(message(V6), ctx));
    expect(a.source).toEqual({ ip: 'fdfd:ace:ace:10:d8:cdbf:f6f8:6d69', port: 65382 });
    expect(a.destination).toEqual({ ip: 'fdfd:ace:ace:5::6', port: 443 });
    expect(a.transport).toBe('tcp');
    expect(a.rule).toEqual({ id: '1644355515', name: 'pf rule 621 on vtnet0.10', category: 'firewall' });
  });

  test('IPv6 addresses are canonicalized', () => {
    const a = alertOf(p.parse('1,,,1000000103,em0,match,block,in,6,0x00,0x00000,64,UDP,17,40,2001:0db8:0000:0000:0000:0000:0000:0001,2001:0DB8::2,5353,53,20', ctx));
    expect(a.source).toEqual({ ip: '2001:db8::1', port: 5353 });
    expect(a.destination).toEqual({ ip: '2001:db8::2', port: 53 });
    expect(a.transport).toBe('udp');
  });

  test('UDP, reject action', () => {
    const a = alertOf(p.parse('5,,,1000000103,em0,match,reject,in,4,0x0,,128,1234,0,none,17,udp,78,198.51.100.7,203.0.113.1,137,137,58', ctx));
    expect(a.action).toEqual({ value: 'blocked', raw: 'reject' });
    expect(a.source).toEqual({ ip: '198.51.100.7', port: 137 });
    expect(a.destination).toEqual({ ip: '203.0.113.1', port: 137 });
  });

  test('ICMP and ICMPv6 carry no ports', () => {
    const v4 = alertOf(p.parse('9,,,1000000105,em0,match,block,in,4,0x0,,64,0,0,DF,1,icmp,84,198.51.100.7,203.0.113.1,request,1234,1', ctx));
    expect(v4.transport).toBe('icmp');
    expect(v4.source.port).toBeNull();
    expect(v4.destination.port).toBeNull();
    const v6 = alertOf(p.parse('9,,,1000000105,em0,match,block,in,6,0x00,0x00000,255,ICMPv6,58,32,fe80::1,ff02::1,', ctx));
    expect(v6.transport).toBe('icmpv6');
    expect(v6.destination).toEqual({ ip: 'ff02::1', port: null });
  });

  test('OPNsense hex tracker becomes rule.id', () => {
    const a = alertOf(p.parse('82,,,02f4bab031b57d1e30553ce08e0ec131,igb0,match,block,in,4,0x0,,242,1234,0,none,6,tcp,44,198.51.100.7,203.0.113.1,51234,23,0,S,1,,1024,,mss', ctx));
    expect(a.rule.id).toBe('02f4bab031b57d1e30553ce08e0ec131');
    expect(a.rule.name).toBe('pf rule 82 on igb0');
  });

  test('empty tracker → rule.id null', () => {
    expect(alertOf(p.parse('3,,,,em0,match,block,in,4,0x0,,64,0,0,DF,6,tcp,60,1.2.3.4,5.6.7.8,1,2,0', ctx)).rule.id).toBeNull();
  });

  test('pass is skipped', () => {
    expect(p.parse('5,,,1000000103,em0,match,pass,out,4,0x0,,64,0,0,DF,17,udp,78,10.0.0.2,8.8.8.8,5353,53,58', ctx)).toEqual({ kind: 'skip', reason: 'pass rule: not an alert' });
  });

  test.each([
    ['7,,,1000000102', /^truncated: 4 fields/],
    ['7,,,1000000102,vtnet0.5,match,block,in,4,0x0,,64,19008', /^truncated: 13 fields, IPv4 row needs at least 20/],
    ['621,,,1,vtnet0.10,match,block,in,6,0x00,0x07c63,64,TCP,6,44,fdfd::1', /^truncated: 16 fields, IPv6 row needs at least 17/],
    ['7,,,1,em0,match,block,in,5,a,b,c,d,e,f,g,h,i,j,k,l', /^field ip-version: unknown value "5"/],
    ['7,,,1,em0,match,nat,in,4,a,b,c,d,e,f,g,h,i,j,k,l', /^field action: unknown value "nat"/],
    ['7,,,1,em0,match,block,in,4,0x0,,64,0,0,DF,6,tcp,60,not-an-ip,5.6.7.8,1,2,0', /^field src: not an IP address \("not-an-ip"\)/],
  ])('%j is rejected', (line, error) => {
    const r = p.parse(line, ctx);
    expect(r.kind).toBe('reject');
    if (r.kind === 'reject') expect(r.error).toMatch(error);
  });
});
