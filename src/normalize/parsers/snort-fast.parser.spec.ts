import { expectAlert, expectReject } from './parser-spec.helpers';
import type { ParseContext } from '../parser';
import { snortFastParser } from './snort-fast.parser';

const ctx: ParseContext = { jurisdiction: 'j', receivedAt: Date.UTC(2024, 5, 1), timezone: '+09:00', originalMaxBytes: 4096 };

function alertOf(line: string, c: ParseContext = ctx) {
  const r = snortFastParser.parse(line, c);
  return expectAlert(r);
}

function rejectOf(line: string): string {
  const r = snortFastParser.parse(line, ctx);
  return expectReject(r);
}

// Real lines: /work/shared/corpus/crowdsec-hub/suricata-logs-fastlog.log
const CORPUS_1 =
  '07/11/2022-10:29:01.860293  [**] [1:2200074:2] SURICATA TCPv4 invalid checksum [**] [Classification: Generic Protocol Command Decode] [Priority: 3] {TCP} 2.57.122.209:28487 -> 172.31.18.55:80';
const CORPUS_2 =
  '07/11/2022-06:09:52.602489  [**] [1:2034125:4] ET EXPLOIT Apache HTTP Server 2.4.49 - Path Traversal Attempt (CVE-2021-41773) M2 [**] [Classification: Attempted Administrator Privilege Gain] [Priority: 1] {TCP} 185.7.214.104:36288 -> 172.31.18.55:80';

const SNORT2 =
  '05/30-19:09:28.472094  [**] [1:2012811:2] ET POLICY DNS Query to .onion proxy Domain (onion.ly) [**] [Classification: Potential Corporate Privacy Violation] [Priority: 2] {UDP} 192.168.1.5:5353 -> 8.8.8.8:53';

const TAIL = '[**] [Classification: Misc activity] [Priority: 3]';

describe('snortFastParser', () => {
  it('parses Suricata fast.log corpus lines (year form → Suricata, device-local time)', () => {
    expect(alertOf(CORPUS_1)).toEqual({
      timestamp: '2022-07-11T01:29:01.860Z',
      timezone_source: 'configured',
      observer: { vendor: 'OISF', product: 'Suricata', name: null },
      source: { ip: '2.57.122.209', port: 28487 },
      destination: { ip: '172.31.18.55', port: 80 },
      transport: 'tcp',
      rule: { id: '2200074', name: 'SURICATA TCPv4 invalid checksum', category: 'Generic Protocol Command Decode' },
      action: { value: 'unknown', raw: null },
      severity: { id: 2, raw: '3' },
      format: 'snort-fast',
    });
    const a = alertOf(CORPUS_2);
    expect(a.rule.name).toBe('ET EXPLOIT Apache HTTP Server 2.4.49 - Path Traversal Attempt (CVE-2021-41773) M2');
    expect(a.severity).toEqual({ id: 4, raw: '1' });
  });

  it('parses Snort alert_fast (no year: inferred from receive time) as Cisco Snort', () => {
    const a = alertOf(SNORT2);
    expect(a.timestamp).toBe('2024-05-30T10:09:28.472Z');
    expect(a.timezone_source).toBe('configured');
    expect(a.observer).toEqual({ vendor: 'Cisco', product: 'Snort', name: null });
    expect(a.source).toEqual({ ip: '192.168.1.5', port: 5353 });
    expect(a.destination).toEqual({ ip: '8.8.8.8', port: 53 });
    expect(a.transport).toBe('udp');
    expect(a.rule).toEqual({ id: '2012811', name: 'ET POLICY DNS Query to .onion proxy Domain (onion.ly)', category: 'Potential Corporate Privacy Violation' });
    expect(a.severity).toEqual({ id: 3, raw: '2' });
  });

  it('infers the year across New Year', () => {
    const line = SNORT2.replace('05/30-19:09:28.472094', '12/31-23:59:50.000000');
    expect(alertOf(line, { ...ctx, receivedAt: Date.parse('2025-01-01T00:00:30Z') }).timestamp).toBe('2024-12-31T14:59:50.000Z');
  });

  it('reads the two-digit-year forms (Snort 2 MM/DD/YY, Snort 3 YY/MM/DD) and uses the configured zone', () => {
    expect(alertOf(SNORT2.replace('05/30-', '05/30/24-')).timestamp).toBe('2024-05-30T10:09:28.472Z');
    expect(alertOf(SNORT2.replace('05/30-', '24/05/30-')).timestamp).toBe('2024-05-30T10:09:28.472Z');
    expect(alertOf(CORPUS_1, { ...ctx, timezone: '+00:00' }).timestamp).toBe('2022-07-11T10:29:01.860Z');
  });

  it('handles ICMP: Snort writes no ports, Suricata writes type/code where ports go — neither is a port', () => {
    const snort = alertOf(`05/30-19:09:28.472094  [**] [1:384:5] ICMP PING ${TAIL} {ICMP} 10.0.0.1 -> 10.0.0.2`);
    expect(snort.source).toEqual({ ip: '10.0.0.1', port: null });
    expect(snort.destination).toEqual({ ip: '10.0.0.2', port: null });
    const snort6 = alertOf(`05/30-19:09:28.472094  [**] [1:384:5] ICMP PING ${TAIL} {IPV6-ICMP} 2001:db8::1:2 -> ::1`);
    expect(snort6.source).toEqual({ ip: '2001:db8::1:2', port: null }); // no port in Snort ICMP: the whole is the address
    expect(snort6.transport).toBe('ipv6-icmp');
    const suri = alertOf(`07/11/2022-10:29:01.860293  [**] [1:2100366:8] GPL ICMP_INFO PING *NIX ${TAIL} {ICMP} 10.0.0.1:8 -> 10.0.0.2:0`);
    expect(suri.source).toEqual({ ip: '10.0.0.1', port: null });
    expect(suri.destination).toEqual({ ip: '10.0.0.2', port: null });
    const suri6 = alertOf(`07/11/2022-10:29:01.860293  [**] [1:2100366:8] PING ${TAIL} {IPV6-ICMP} 2001:db8::1:128 -> 2001:db8::2:0`);
    expect(suri6.source.ip).toBe('2001:db8::1'); // Suricata always writes type/code after the last colon
    expect(suri6.destination.ip).toBe('2001:db8::2');
  });

  it('splits IPv6 endpoints on the last colon, bracketed or not, and canonicalizes them', () => {
    const bare = alertOf(`07/11/2022-10:29:01.860293  [**] [1:1:1] x ${TAIL} {TCP} 2001:db8::1:80 -> 2001:0DB8:0000:0000:0000:0000:0000:0002:443`);
    expect(bare.source).toEqual({ ip: '2001:db8::1', port: 80 });
    expect(bare.destination).toEqual({ ip: '2001:db8::2', port: 443 });
    const bracketed = alertOf(`07/11/2022-10:29:01.860293  [**] [1:1:1] x ${TAIL} {TCP} [2001:db8::1]:80 -> [2001:db8:0:0:0:0:0:2]:443`);
    expect(bracketed.source).toEqual({ ip: '2001:db8::1', port: 80 });
    expect(bracketed.destination).toEqual({ ip: '2001:db8::2', port: 443 });
    const snort = alertOf(`05/30-19:09:28.472094  [**] [1:1:1] x ${TAIL} {TCP} ::1:8080 -> ::ffff:10.0.0.1:22`);
    expect(snort.source).toEqual({ ip: '::1', port: 8080 });
    expect(snort.destination).toEqual({ ip: '10.0.0.1', port: 22 });
  });

  it('accepts missing Classification and Priority', () => {
    const noClass = alertOf('05/30-19:09:28.472094  [**] [1:1:1] msg only [**] [Priority: 2] {TCP} 1.1.1.1:1 -> 2.2.2.2:2');
    expect(noClass.rule).toEqual({ id: '1', name: 'msg only', category: null });
    expect(noClass.severity).toEqual({ id: 3, raw: '2' });
    const neither = alertOf('05/30-19:09:28.472094  [**] [1:1:1] msg only [**] {TCP} 1.1.1.1:1 -> 2.2.2.2:2');
    expect(neither.rule.category).toBeNull();
    expect(neither.severity).toEqual({ id: 0, raw: null });
  });

  it('reads Snort 3 alert_fast: quoted msg, action and interface', () => {
    const a = alertOf('05/30-19:09:28.472094 [drop] [**] [1:1000001:0]  <eth0> "ICMP test" [**] [Priority: 0] {ICMP4} 10.1.1.1 -> 10.1.1.2');
    expect(a.rule).toEqual({ id: '1000001', name: 'ICMP test', category: null });
    expect(a.action).toEqual({ value: 'blocked', raw: 'drop' });
    expect(a.observer.name).toBe('eth0');
    expect(a.transport).toBe('icmp');
    expect(a.severity).toEqual({ id: 0, raw: '0' });
  });

  it('maps [Drop] to blocked and [wDrop] (IDS mode, would have dropped) to unknown', () => {
    const drop = alertOf(CORPUS_1.replace('  [**]', '  [Drop] [**]'));
    expect(drop.action).toEqual({ value: 'blocked', raw: 'Drop' });
    expect(drop.source.ip).toBe('2.57.122.209');
    const wdrop = alertOf(CORPUS_1.replace('  [**]', '  [wDrop] [**]'));
    expect(wdrop.action).toEqual({ value: 'unknown', raw: 'wDrop' });
  });

  it('accepts the alert_syslog body (time left to the syslog header)', () => {
    const line = '[Drop] [1:2012811:2] ET POLICY x [Classification: Potential Corporate Privacy Violation] [Priority: 1] {UDP} 192.168.1.5:5353 -> 8.8.8.8:53';
    expect(snortFastParser.detect(line)).toBe(true);
    const a = alertOf(line);
    expect(a.timezone_source).toBe('received');
    expect(a.rule).toEqual({ id: '2012811', name: 'ET POLICY x', category: 'Potential Corporate Privacy Violation' });
    expect(a.action.value).toBe('blocked');
    expect(a.severity.id).toBe(4);
  });

  it('skips decoder events that carry no addresses', () => {
    const line = '07/11/2022-10:29:01.860293  [**] [1:2200003:2] SURICATA IPv4 truncated packet [**] [Classification: Generic Protocol Command Decode] [Priority: 3] [**] [Raw pkt: 00 00 00 ]';
    expect(snortFastParser.parse(line, ctx).kind).toBe('skip');
  });

  it('rejects garbage and truncated lines with the field named', () => {
    expect(rejectOf('hello world')).toMatch(/field timestamp/);
    expect(rejectOf('13/45/2022-10:29:01.860293  [**] [1:1:1] x [**] {TCP} 1.1.1.1:1 -> 2.2.2.2:2')).toMatch(/field timestamp: impossible date/);
    expect(rejectOf('07/11/2022-10:29:01.860293  [**] msg [**] {TCP} 1.1.1.1:1 -> 2.2.2.2:2')).toMatch(/field rule/);
    expect(rejectOf(CORPUS_1.slice(0, 70))).toMatch(/field proto/);
    expect(rejectOf(CORPUS_1.slice(0, CORPUS_1.length - 9))).toMatch(/field destination: not an IP address/);
    expect(rejectOf(CORPUS_1.replace(' -> ', ' '))).toMatch(/field destination: missing/);
    expect(rejectOf(CORPUS_1.replace('2.57.122.209', '2.57.122.999'))).toMatch(/field source: not an IP address/);
  });

  it('never throws and stays fast on hostile input', () => {
    const long = '05/30-19:09:28.1 [**] [1:1:1] ' + '[{'.repeat(50_000) + ' -> ' + ':'.repeat(50_000);
    const started = Date.now();
    for (const line of [long, '05/30-19:09:28.1 [', '05/30-19:09:28.1 [**] [1:1:1', '[' + ']'.repeat(1000), '{}']) {
      expect(() => snortFastParser.parse(line, ctx)).not.toThrow();
      expect(() => snortFastParser.detect(line)).not.toThrow();
    }
    expect(Date.now() - started).toBeLessThan(500);
  });

  it('detects fast-format lines only', () => {
    expect(snortFastParser.detect(CORPUS_1)).toBe(true);
    expect(snortFastParser.detect(SNORT2)).toBe(true);
    expect(snortFastParser.detect('{"timestamp":"05/30-19:09:28.472094","src_ap":"1.1.1.1:1","rule":"1:1:1"}')).toBe(false);
    expect(snortFastParser.detect('[Thu Sep 30 13:27:06.009964 2021] [:error] [client ::1:37752] ModSecurity: Warning.')).toBe(false);
    expect(snortFastParser.detect('CEF:0|Vendor|Product|1.0|100|name|5|src=1.1.1.1')).toBe(false);
    expect(snortFastParser.detect('date=2024-01-01 time=10:00:00 type="utm" subtype="ips"')).toBe(false);
  });
});
