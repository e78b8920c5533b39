import { expectAlert, expectReject } from './parser-spec.helpers';
import type { ParseContext } from '../parser';
import { leefParser } from './leef.parser';

const ctx: ParseContext = { jurisdiction: 'j', receivedAt: Date.UTC(2024, 0, 15, 2, 0, 0), timezone: '+09:00', originalMaxBytes: 4096 };

const alertOf = expectAlert;
const parse = (line: string) => alertOf(leefParser.parse(line, ctx));
const rejected = (line: string) => {
  const r = leefParser.parse(line, ctx);
  return expectReject(r);
};

const ATTRS = [
  'src=203.0.113.5',
  'dst=10.0.0.10',
  'srcPort=51515',
  'dstPort=22',
  'proto=TCP',
  'sev=7',
  'cat=Brute Force',
  'devTime=Jan 15 2024 10:00:00',
  'devTimeFormat=MMM dd yyyy HH:mm:ss',
  'action=blocked',
  'usrName=root',
  'name=SSH brute force',
];
const LEEF1 = `LEEF:1.0|ExampleCo|SSHGuard|2.1|4001|${ATTRS.join('\t')}`;

describe('leefParser', () => {
  it('parses LEEF 1.0 with TAB-separated attributes', () => {
    const a = parse(LEEF1);
    expect(a.source).toEqual({ ip: '203.0.113.5', port: 51515 });
    expect(a.destination).toEqual({ ip: '10.0.0.10', port: 22 });
    expect(a.transport).toBe('tcp');
    expect(a.observer).toEqual({ vendor: 'ExampleCo', product: 'SSHGuard', name: null });
    expect(a.rule).toEqual({ id: '4001', name: 'SSH brute force', category: 'Brute Force' });
    expect(a.severity).toEqual({ id: 4, raw: '7' });
    expect(a.action).toEqual({ value: 'blocked', raw: 'blocked' });
    expect(a.timestamp).toBe('2024-01-15T01:00:00.000Z');
    expect(a.timezone_source).toBe('configured');
    expect(a.format).toBe('leef');
  });

  it('accepts TABs rewritten by rsyslog as #011', () => {
    expect(parse(LEEF1.replaceAll('\t', '#011'))).toEqual(parse(LEEF1));
  });

  it('reads the LEEF 2.0 delimiter as a character or hex (0x5E, x5E), empty meaning TAB', () => {
    const caret = `LEEF:2.0|ExampleCo|SSHGuard|2.1|4001|^|${ATTRS.join('^')}`;
    expect(parse(caret)).toEqual(parse(LEEF1));
    expect(parse(`LEEF:2.0|ExampleCo|SSHGuard|2.1|4001|0x5E|${ATTRS.join('^')}`)).toEqual(parse(LEEF1));
    expect(parse(`LEEF:2.0|ExampleCo|SSHGuard|2.1|4001|x5E|${ATTRS.join('^')}`)).toEqual(parse(LEEF1));
    expect(parse(`LEEF:2.0|ExampleCo|SSHGuard|2.1|4001||${ATTRS.join('\t')}`)).toEqual(parse(LEEF1));
    expect(parse(`LEEF:2.0|ExampleCo|SSHGuard|2.1|4001|0x09|${ATTRS.join('#011')}`)).toEqual(parse(LEEF1));
    // The delimiter field left out altogether: attributes follow EventID| directly.
    expect(parse(`LEEF:2.0|ExampleCo|SSHGuard|2.1|4001|${ATTRS.join('\t')}`)).toEqual(parse(LEEF1));
  });

  it('keeps "=" and spaces inside values', () => {
    const a = parse('LEEF:2.0|Lancope|StealthWatch|1.0|41|^|src=10.0.1.8^dst=10.0.0.5^sev=5^msg=query a=b done^devTime=May 24 2016 16:34:02.112 GMT^devTimeFormat=MMM dd yyyy HH:mm:ss.SSS z');
    expect(a.rule.name).toBe('query a=b done');
    expect(a.severity).toEqual({ id: 3, raw: '5' });
    expect(a.timestamp).toBe('2016-05-24T16:34:02.112Z');
    expect(a.timezone_source).toBe('explicit');
  });

  it('reads devTime with common devTimeFormat patterns, epoch ms, or falls back to receive time', () => {
    const at = (t: string, f?: string) => parse(`LEEF:1.0|V|P|1|E1|src=10.0.0.1\tdevTime=${t}${f ? `\tdevTimeFormat=${f}` : ''}`);
    expect(at('2024-01-15 10:00:00 KST', 'yyyy-MM-dd HH:mm:ss z')).toMatchObject({ timestamp: '2024-01-15T01:00:00.000Z', timezone_source: 'explicit' });
    expect(at('2024-01-15 10:00:00 +0100', 'yyyy-MM-dd HH:mm:ss Z')).toMatchObject({ timestamp: '2024-01-15T09:00:00.000Z', timezone_source: 'explicit' });
    expect(at('15/Jan/2024:10:00:00 -0500', 'dd/MMM/yyyy:HH:mm:ss Z')).toMatchObject({ timestamp: '2024-01-15T15:00:00.000Z' });
    expect(at('2024-01-15T10:00:00.250+09:00', "yyyy-MM-dd'T'HH:mm:ss.SSSXXX")).toMatchObject({ timestamp: '2024-01-15T01:00:00.250Z', timezone_source: 'explicit' });
    expect(at('01/15/2024 10:00:00 AM', 'MM/dd/yyyy hh:mm:ss a')).toMatchObject({ timestamp: '2024-01-15T01:00:00.000Z', timezone_source: 'configured' });
    expect(at('20240115100000', 'yyyyMMddHHmmss')).toMatchObject({ timestamp: '2024-01-15T01:00:00.000Z' });
    expect(at('1705280400000')).toMatchObject({ timestamp: '2024-01-15T01:00:00.000Z', timezone_source: 'explicit' });
    expect(at('Jan 15 2024 10:00:00')).toMatchObject({ timestamp: '2024-01-15T01:00:00.000Z', timezone_source: 'configured' });
    expect(at('whenever', 'GGGG')).toMatchObject({ timestamp: new Date(ctx.receivedAt).toISOString(), timezone_source: 'received' });
    expect(at('2024-01-15 10:00:00 Mars/Base', 'yyyy-MM-dd HH:mm:ss z')).toMatchObject({ timezone_source: 'received' });
  });

  it('names the rule from msg, else the EventID; takes srcPreNAT/identSrc when src is absent', () => {
    expect(parse('LEEF:1.0|V|P|1|E42|src=10.0.0.1\tmsg=Port scan').rule).toEqual({ id: 'E42', name: 'Port scan', category: null });
    expect(parse('LEEF:1.0|V|P|1|E42|src=10.0.0.1').rule).toEqual({ id: 'E42', name: 'E42', category: null });
    expect(parse('LEEF:1.0|V|P|1|E42|srcPreNAT=198.51.100.3\tdst=10.0.0.1').source.ip).toBe('198.51.100.3');
    expect(parse('LEEF:1.0|V|P|1|E42|identSrc=2001:DB8::0:1').source.ip).toBe('2001:db8::1');
    expect(parse('LEEF:1.0|V|P|1|E42|src=10.0.0.1\tsev=10\taction=permit').severity.id).toBe(5);
    expect(parse('LEEF:1.0|V|P|1|E42|src=10.0.0.1\taction=permit').action).toEqual({ value: 'allowed', raw: 'permit' });
  });

  it('rejects with the field named', () => {
    expect(rejected('LEEF:1.0|V|P|1|E42|dst=10.0.0.1\tsev=3')).toBe('field src: missing');
    expect(rejected('LEEF:1.0|V|P|1|E42|src=bogus')).toMatch(/^field src: not an IP address/);
    expect(rejected('LEEF:2.0|V|P|1|E42|abc|src=10.0.0.1')).toMatch(/^field delimiter:/);
    expect(rejected('LEEF:1.0|V|P')).toMatch(/^field header:/);
    expect(rejected('LEEF:3.0|V|P|1|E|src=10.0.0.1')).toMatch(/^field version:/);
    expect(rejected('garbage')).toMatch(/^field version:/);
  });

  it('detects LEEF and nothing else', () => {
    expect(leefParser.detect(LEEF1)).toBe(true);
    expect(leefParser.detect('LEEF:2.0|V|P|1|E|^|src=1.2.3.4')).toBe(true);
    expect(leefParser.detect('CEF:0|V|P|1|1|n|5|src=1.2.3.4')).toBe(false);
    expect(leefParser.detect('date=2024-10-14 time=13:46:40 type="event"')).toBe(false);
  });

  it('stays fast on hostile input', () => {
    const t0 = Date.now();
    leefParser.parse(`LEEF:1.0|V|P|1|E|${'a='.repeat(100_000)}`, ctx);
    leefParser.parse(`LEEF:1.0|V|P|1|E|src=1.2.3.4 ${' k'.repeat(100_000)}=`, ctx);
    leefParser.parse(`LEEF:2.0|V|P|1|E|^|${'^'.repeat(200_000)}`, ctx);
    expect(Date.now() - t0).toBeLessThan(1000);
  });
});
