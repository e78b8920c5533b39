import { expectAlert, expectReject } from './parser-spec.helpers';
import type { ParseContext, ParseResult } from '../parser';
import { snortAction, snortJsonParser } from './snort-json.parser';

const ctx: ParseContext = { jurisdiction: 'j', receivedAt: Date.UTC(2024, 5, 1), timezone: '+09:00', originalMaxBytes: 4096 };

function alertOf(line: string, c: ParseContext = ctx) {
  const r = snortJsonParser.parse(line, c);
  return expectAlert(r);
}

function rejectOf(line: string): string {
  const r: ParseResult = snortJsonParser.parse(line, ctx);
  return expectReject(r);
}

// Snort 3 spacing: `{ "key" : value, ... }`.
const FULL =
  '{ "seconds" : 1580404087, "timestamp" : "01/30-17:08:07.123456", "proto" : "TCP", "src_addr" : "10.1.2.3", "src_port" : 54321, ' +
  '"dst_addr" : "10.9.8.7", "dst_port" : 80, "sid" : 1000001, "gid" : 1, "rev" : 2, "rule" : "1:1000001:2", "msg" : "test rule", ' +
  '"class" : "Attempted Administrator Privilege Gain", "priority" : 1, "action" : "drop" }';

// The default field set: timestamp pkt_num proto pkt_gen pkt_len dir src_ap dst_ap rule action (no seconds, sid, msg, class, priority).
const DEFAULTS =
  '{ "timestamp" : "05/30-19:09:28.472094", "pkt_num" : 6, "proto" : "UDP", "pkt_gen" : "raw", "pkt_len" : 60, "dir" : "C2S", ' +
  '"src_ap" : "192.168.1.5:5353", "dst_ap" : "224.0.0.251:5353", "rule" : "1:2012811:2", "action" : "allow" }';

describe('snortJsonParser', () => {
  it('parses a line with every field', () => {
    const a = alertOf(FULL);
    expect(a).toEqual({
      timestamp: '2020-01-30T17:08:07.123Z',
      timezone_source: 'explicit',
      observer: { vendor: 'Cisco', product: 'Snort', name: null },
      source: { ip: '10.1.2.3', port: 54321 },
      destination: { ip: '10.9.8.7', port: 80 },
      transport: 'tcp',
      rule: { id: '1000001', name: 'test rule', category: 'Attempted Administrator Privilege Gain' },
      action: { value: 'blocked', raw: 'drop' },
      severity: { id: 4, raw: '1' },
      format: 'snort-json',
    });
  });

  it('parses the default field set: year-less timestamp in the configured zone, sid from "rule", no msg/class/priority', () => {
    const a = alertOf(DEFAULTS);
    expect(a.timestamp).toBe('2024-05-30T10:09:28.472Z'); // 19:09:28 KST
    expect(a.timezone_source).toBe('configured');
    expect(a.source).toEqual({ ip: '192.168.1.5', port: 5353 });
    expect(a.destination).toEqual({ ip: '224.0.0.251', port: 5353 });
    expect(a.rule).toEqual({ id: '2012811', name: null, category: null });
    expect(a.severity).toEqual({ id: 0, raw: null });
    expect(a.action).toEqual({ value: 'allowed', raw: 'allow' });
  });

  it('infers the year across New Year from receive time', () => {
    const line = '{ "timestamp" : "12/31-23:59:50.000001", "src_ap" : "10.0.0.1:1", "dst_ap" : "10.0.0.2:2", "rule" : "1:1:1" }';
    const a = alertOf(line, { ...ctx, receivedAt: Date.parse('2025-01-01T00:00:30Z') });
    expect(a.timestamp).toBe('2024-12-31T14:59:50.000Z');
  });

  it('reads the -y timestamp (YY/MM/DD in Snort 3)', () => {
    const line = '{ "timestamp" : "24/05/30-19:09:28.472094", "src_ap" : "10.0.0.1:1", "dst_ap" : "10.0.0.2:2", "rule" : "1:1:1" }';
    expect(alertOf(line).timestamp).toBe('2024-05-30T10:09:28.472Z');
  });

  it('falls back to timestamp when seconds is not an epoch', () => {
    const line = '{ "seconds" : "x", "timestamp" : "05/30-19:09:28.472094", "src_ap" : "10.0.0.1:1", "rule" : "1:1:1" }';
    expect(alertOf(line).timezone_source).toBe('configured');
  });

  it('uses receive time when the line has no time at all', () => {
    const a = alertOf('{ "src_ap" : "10.0.0.1:1", "sid" : 5 }');
    expect(a.timestamp).toBe('2024-06-01T00:00:00.000Z');
    expect(a.timezone_source).toBe('received');
  });

  it('splits src_ap on the LAST colon, even when the whole is itself a valid IPv6 address', () => {
    const line = '{ "timestamp" : "05/30-19:09:28.1", "proto" : "TCP", "src_ap" : "2001:db8::1:443", "dst_ap" : "2001:0db8:0000:0000:0000:0000:0000:0002:8080", "rule" : "1:1:1" }';
    const a = alertOf(line);
    expect(a.source).toEqual({ ip: '2001:db8::1', port: 443 });
    expect(a.destination).toEqual({ ip: '2001:db8::2', port: 8080 });
  });

  it('canonicalizes fully expanded IPv6 in src_addr/dst_addr (RFC 5952)', () => {
    const line = '{ "seconds" : 1580404087, "src_addr" : "2001:0DB8:0000:0000:0000:0000:0000:0001", "dst_addr" : "::ffff:10.0.0.9", "sid" : 7 }';
    const a = alertOf(line);
    expect(a.source.ip).toBe('2001:db8::1');
    expect(a.destination.ip).toBe('10.0.0.9');
    expect(a.source.port).toBeNull();
  });

  it('drops the meaningless port 0 Snort writes in src_ap for ICMP', () => {
    const line = '{ "timestamp" : "05/30-19:09:28.1", "proto" : "ICMP4", "src_ap" : "10.0.0.1:0", "dst_ap" : "::1:0", "rule" : "1:1:1", "class" : "none" }';
    const a = alertOf(line);
    expect(a.transport).toBe('icmp');
    expect(a.source).toEqual({ ip: '10.0.0.1', port: null });
    expect(a.destination).toEqual({ ip: '::1', port: null });
    expect(a.rule.category).toBeNull(); // Snort prints "none" when the rule has no classtype
  });

  it('maps Snort actions', () => {
    expect(snortAction('allow')).toBe('allowed');
    expect(snortAction('pass')).toBe('allowed');
    for (const a of ['drop', 'block', 'reject', 'sdrop', 'Drop']) expect(snortAction(a)).toBe('blocked');
    for (const a of ['alert', 'would_drop', 'wDrop', null, '']) expect(snortAction(a)).toBe('unknown');
  });

  it('maps priority 1..4 onto severity 4..1', () => {
    const sev = (p: number) => alertOf(`{ "src_ap" : "10.0.0.1:1", "sid" : 1, "priority" : ${p} }`).severity.id;
    expect([1, 2, 3, 4].map(sev)).toEqual([4, 3, 2, 1]);
  });

  it('rejects garbage, truncated lines and bad fields with the field named', () => {
    expect(rejectOf(FULL.slice(0, 80))).toMatch(/invalid JSON/);
    expect(rejectOf('[1,2]')).toMatch(/not a JSON object/);
    expect(rejectOf('{ "sid" : 1, "seconds" : 1580404087 }')).toMatch(/field src_addr: missing/);
    expect(rejectOf('{ "src_ap" : "nope:80", "sid" : 1 }')).toMatch(/field src_ap: not an IP address/);
    expect(rejectOf('{ "src_addr" : "999.1.1.1", "sid" : 1 }')).toMatch(/field src_addr: not an IP address/);
    expect(rejectOf('{ "src_ap" : "10.0.0.1:1", "rule" : "1:x:2" }')).toMatch(/field rule:/);
    expect(rejectOf('{ "src_ap" : "10.0.0.1:1", "sid" : 1, "timestamp" : "13/45-99:00:00" }')).toMatch(/field timestamp:/);
    expect(rejectOf('{ "src_ap" : "10.0.0.1:1", "sid" : 1, "seconds" : "soon" }')).toMatch(/field seconds:/);
  });

  it('never throws on hostile input', () => {
    for (const line of ['{', '{"src_ap":{}}', '{"src_ap":"' + ':'.repeat(10000) + '"}', '{"src_addr":null,"src_ap":[1]}', 'null']) {
      expect(() => snortJsonParser.parse(line, ctx)).not.toThrow();
    }
  });

  it('detects Snort 3 JSON but not Suricata EVE or other JSON', () => {
    expect(snortJsonParser.detect(FULL)).toBe(true);
    expect(snortJsonParser.detect(DEFAULTS)).toBe(true);
    expect(
      snortJsonParser.detect(
        '{"timestamp":"2022-07-12T06:22:33.415742+0000","event_type":"alert","src_ip":"1.2.3.4","sid":1,"seconds":1,"src_ap":"1.2.3.4:1"}',
      ),
    ).toBe(false);
    expect(snortJsonParser.detect('{"@timestamp":"2024-01-01T00:00:00Z","source":{"ip":"1.2.3.4"}}')).toBe(false);
    expect(snortJsonParser.detect('05/30-19:09:28.472094  [**] [1:2012811:2] msg [**]')).toBe(false);
  });
});
