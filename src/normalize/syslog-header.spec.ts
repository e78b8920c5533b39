import { parseSyslogHeader } from './syslog-header';

const ctx = { receivedAt: Date.parse('2025-11-10T00:00:00Z'), timezone: '+09:00' };

describe('RFC 5424', () => {
  test('header fields, structured data and message', () => {
    const env = parseSyslogHeader(
      '<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"][examplePriority@32473 class="high"] An application event',
      ctx,
    );
    expect(env).toEqual({ pri: 165, host: 'mymachine.example.com', time: { iso: '2003-10-11T22:14:15.003Z', zone: 'explicit' }, program: 'evntslog', message: 'An application event' });
  });

  test('SD values with escaped ] , escaped quotes and a literal ] inside quotes', () => {
    const env = parseSyslogHeader('<13>1 2024-01-01T00:00:00+09:00 h app 1 - [a@1 x="1\\]2" y="say \\"hi\\" ]" z="\\\\"][b@2 k="v"] the message', ctx);
    expect(env.message).toBe('the message');
    expect(env.time).toEqual({ iso: '2023-12-31T15:00:00.000Z', zone: 'explicit' });
  });

  test('BOM before the message is dropped', () => {
    expect(parseSyslogHeader('<13>1 2024-01-01T00:00:00Z h app 1 - - \uFEFFhello', ctx).message).toBe('hello');
    expect(parseSyslogHeader('<13>1 2024-01-01T00:00:00Z h app 1 - [x@1 a="b"] \uFEFFhello', ctx).message).toBe('hello');
  });

  test('"-" values are null', () => {
    expect(parseSyslogHeader('<34>1 - - - - - - msg', ctx)).toEqual({ pri: 34, host: null, time: null, program: null, message: 'msg' });
  });

  test('SD "-" with an empty message', () => {
    expect(parseSyslogHeader('<34>1 - host app - - -', ctx).message).toBe('');
  });

  test('pfSense filterlog line: microseconds truncated, message is the CSV (no tag stripping in 5424)', () => {
    const env = parseSyslogHeader(
      '<134>1 2025-11-06T11:32:42.868451+00:00 firewall.lan filterlog 92653 - - 7,,,1000000102,vtnet0.5,match,block,in,4,0x0,,64,19008,0,DF,6,tcp,60,192.168.5.6,192.168.1.100,42970,80,0,S,523876198,,64240,,mss;sackOK;TS;nop;wscale',
      ctx,
    );
    expect(env.pri).toBe(134);
    expect(env.host).toBe('firewall.lan');
    expect(env.time).toEqual({ iso: '2025-11-06T11:32:42.868Z', zone: 'explicit' });
    expect(env.message.startsWith('7,,,1000000102,vtnet0.5,match,block,')).toBe(true);
  });
});

describe('RFC 3164', () => {
  test('with host and tag: no year, no zone → configured zone, closest year', () => {
    const env = parseSyslogHeader('<34>Oct 11 22:14:15 mymachine su[123]: \'su root\' failed', ctx);
    expect(env).toEqual({ pri: 34, host: 'mymachine', time: { iso: '2025-10-11T13:14:15.000Z', zone: 'configured' }, program: 'su', message: "'su root' failed" });
  });

  test('without PRI (iptables corpus line)', () => {
    const env = parseSyslogHeader('Sep 30 10:09:23 scw-d95986 kernel: [19955416.516358] IN=ens2 OUT= SRC=62.34.17.168', ctx);
    expect(env.pri).toBeNull();
    expect(env.host).toBe('scw-d95986');
    expect(env.time?.iso).toBe('2025-09-30T01:09:23.000Z');
    expect(env.message).toBe('[19955416.516358] IN=ens2 OUT= SRC=62.34.17.168');
  });

  test('tag only, no host', () => {
    const env = parseSyslogHeader('<4>Sep 30 10:09:23 kernel: [UFW BLOCK] IN=lo OUT=', ctx);
    expect(env.host).toBeNull();
    expect(env.message).toBe('[UFW BLOCK] IN=lo OUT=');
  });

  test('single-digit day padded with two spaces; a CEF prefix is never taken for a tag', () => {
    const env = parseSyslogHeader('Sep  8 08:32:20 UDM-Gent CEF: 0|Ubiquiti|UniFi Network|9.4.19|201|Threat|9|src=1.2.3.4', ctx);
    expect(env.host).toBe('UDM-Gent');
    expect(env.time?.iso).toBe('2025-09-07T23:32:20.000Z');
    expect(env.message).toBe('CEF: 0|Ubiquiti|UniFi Network|9.4.19|201|Threat|9|src=1.2.3.4');
  });

  test('no host before a CEF or key=value message: the first word is not taken for a host', () => {
    expect(parseSyslogHeader('<13>Oct 26 20:01:31 CEF:0|Ubiquiti|UniFi Network|10.0.140|201|Threat|7|src=1.2.3.4', ctx)).toMatchObject({
      host: null,
      message: 'CEF:0|Ubiquiti|UniFi Network|10.0.140|201|Threat|7|src=1.2.3.4',
    });
    expect(parseSyslogHeader('<188>Oct 26 20:01:31 date=2024-10-14 time=13:46:40 type="utm"', ctx)).toMatchObject({
      host: null,
      message: 'date=2024-10-14 time=13:46:40 type="utm"',
    });
  });

  test('fractional seconds, IPv4 host', () => {
    const env = parseSyslogHeader('Sep 30 10:09:23.123456 10.0.0.1 filterlog[92653]: 7,,,1', ctx);
    expect(env.host).toBe('10.0.0.1');
    expect(env.time?.iso).toBe('2025-09-30T01:09:23.123Z');
    expect(env.message).toBe('7,,,1');
  });

  test('year inference: a December line received in early January is last year', () => {
    const env = parseSyslogHeader('Dec 31 23:59:59 h t: m', { receivedAt: Date.parse('2025-01-01T00:00:05+09:00'), timezone: '+09:00' });
    expect(env.time?.iso).toBe('2024-12-31T14:59:59.000Z');
  });
});

describe('bare PRI and no header', () => {
  test('bare <PRI> (FortiGate)', () => {
    expect(parseSyslogHeader('<188>date=2024-10-14 time=13:46:40 devname="FG"', ctx)).toEqual({
      pri: 188,
      host: null,
      time: null,
      message: 'date=2024-10-14 time=13:46:40 devname="FG"',
    });
  });

  test('no header: the line comes back whole', () => {
    for (const line of ['date=2024-10-14 time=13:46:40', '07/11/2022-10:29:01.860293  [**] [1:2200074:2] x', 'CEF:0|a|b|c|d|e|1|', 'plain text']) {
      expect(parseSyslogHeader(line, ctx)).toEqual({ pri: null, host: null, time: null, message: line });
    }
  });
});
