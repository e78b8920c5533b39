import { expectAlert, expectReject } from './parser-spec.helpers';
import type { ParseContext } from '../parser';
import { cefParser, parseCefExtension, parseCefTime } from './cef.parser';

const ctx: ParseContext = { jurisdiction: 'j', receivedAt: Date.UTC(2025, 8, 8, 6, 33, 0), timezone: '+09:00', originalMaxBytes: 4096 };

const alertOf = expectAlert;
const parse = (line: string) => alertOf(cefParser.parse(line, ctx));
const rejected = (line: string) => {
  const r = cefParser.parse(line, ctx);
  return expectReject(r);
};

// Real lines from the CrowdSec hub test corpus (cef-logs.log, unifi-cef.log).
const UNIFI_ADMIN =
  'CEF:0|Ubiquiti|UniFi Network|9.4.19|544|Admin Accessed UniFi Network|1|UNIFIcategory=System UNIFIsubCategory=Admin UNIFIhost=Unifi Dream Machine UNIFIaccessMethod=web UNIFIadmin=Secure Admin src=10.72.1.222 UNIFIutcTime=2025-09-04T08:32:58.445Z msg=Secure Admin accessed UniFi Network using the web. Source IP: 10.72.1.222';
const UNIFI_NO_PREFIX =
  '0|Ubiquiti|UniFi Network|9.3.45|201|Threat Detected and Blocked|7|proto=TCP src=192.168.0.1 spt=54587 dst=192.168.0.233 dpt=80 UNIFIcategory=Security UNIFIsubCategory=Intrusion Prevention UNIFIhost=Express 7 UNIFIdeviceMac=84:78:48:80:0d:86 UNIFIdeviceName=Express 7 UNIFIdeviceModel=UX7 UNIFIdeviceIp=192.168.0.1 UNIFIdeviceVersion=4.2.15 UNIFIrisk=medium UNIFIipsSessionId=2138629792252828 UNIFIipsSignature=ET DROP Dshield Block Listed Source group 1 UNIFIipsSignatureId=2402000 msg=A network intrusion attempt from 192.168.0.1 to DS920+ macvlan has been detected and blocked.';
const UNIFI_ACT =
  'CEF:0|Ubiquiti|UniFi Network|10.0.140|201|Threat Detected and Blocked|7|proto=TCP src=198.51.100.10 spt=46621 dpt=80 act=blocked app=HTTP UNIFIcategory=Security UNIFIsubCategory=Intrusion Prevention UNIFIhost=Express 7 UNIFIrisk=medium UNIFIflowStartTime=Oct 26, 2025 at 7:59:41.239 PM UNIFIipsSignature=ET DROP Dshield Block Listed Source group 1 UNIFIipsSignatureId=2402000 UNIFIutcTime=2025-10-26T19:01:31.807Z msg=A network intrusion attempt from 198.51.100.10 to DS920+ macvlan has been detected and blocked.';

describe('cefParser', () => {
  it('parses a real UniFi CEF line', () => {
    const a = parse(UNIFI_ADMIN);
    expect(a.source).toEqual({ ip: '10.72.1.222', port: null });
    expect(a.destination).toEqual({ ip: null, port: null });
    expect(a.observer).toEqual({ vendor: 'Ubiquiti', product: 'UniFi Network', name: 'Unifi Dream Machine' });
    expect(a.rule).toEqual({ id: '544', name: 'Admin Accessed UniFi Network', category: 'Admin' });
    expect(a.severity).toEqual({ id: 2, raw: '1' });
    expect(a.timestamp).toBe('2025-09-04T08:32:58.445Z');
    expect(a.timezone_source).toBe('explicit');
    expect(a.action).toEqual({ value: 'unknown', raw: null });
    expect(a.format).toBe('cef');
  });

  it('accepts "CEF: 0" with a space', () => {
    expect(parse(UNIFI_ADMIN.replace('CEF:0', 'CEF: 0'))).toEqual(parse(UNIFI_ADMIN));
  });

  it('accepts a line whose "CEF:" prefix was dropped', () => {
    const a = parse(UNIFI_NO_PREFIX);
    expect(a.source).toEqual({ ip: '192.168.0.1', port: 54587 });
    expect(a.destination).toEqual({ ip: '192.168.0.233', port: 80 });
    expect(a.transport).toBe('tcp');
    expect(a.severity).toEqual({ id: 4, raw: '7' });
    expect(a.observer.name).toBe('Express 7');
    expect(a.rule.category).toBe('Intrusion Prevention');
    expect(a.timezone_source).toBe('received');
    expect(a.timestamp).toBe(new Date(ctx.receivedAt).toISOString());
  });

  it('maps act and keeps multi-word values whole', () => {
    const a = parse(UNIFI_ACT);
    expect(a.action).toEqual({ value: 'blocked', raw: 'blocked' });
    const ext = parseCefExtension(UNIFI_ACT.slice(UNIFI_ACT.indexOf('|7|') + 3));
    expect(ext.get('UNIFIipsSignature')).toBe('ET DROP Dshield Block Listed Source group 1');
    expect(ext.get('UNIFIflowStartTime')).toBe('Oct 26, 2025 at 7:59:41.239 PM');
    expect(ext.get('msg')).toBe('A network intrusion attempt from 198.51.100.10 to DS920+ macvlan has been detected and blocked.');
    for (const [act, value] of [['deny', 'blocked'], ['Drop', 'blocked'], ['reject', 'blocked'], ['permit', 'allowed'], ['accept', 'allowed'], ['pass', 'allowed'], ['allow', 'allowed'], ['whatever', 'unknown']]) {
      expect(parse(`CEF:0|V|P|1|1|n|5|src=10.0.0.1 act=${act}`).action).toEqual({ value, raw: act });
    }
  });

  it('unescapes header \\| \\\\ and extension \\= \\\\ \\n \\r, with pipes literal in the extension', () => {
    const a = parse('CEF:0|Ven\\|dor|Pro\\\\duct|1.0|100|Name with \\| pipe|10|src=10.0.0.1 msg=a\\=b c\\\\d one\\ntwo\\rthree cs1=x|y cs1Label=Pipe test');
    expect(a.observer.vendor).toBe('Ven|dor');
    expect(a.observer.product).toBe('Pro\\duct');
    expect(a.rule.name).toBe('Name with | pipe');
    expect(a.severity).toEqual({ id: 5, raw: '10' });
    const ext = parseCefExtension('src=10.0.0.1 msg=a\\=b c\\\\d one\\ntwo\\rthree cs1=x|y cs1Label=Pipe test');
    expect(ext.get('msg')).toBe('a=b c\\d one\ntwo\rthree');
    expect(ext.get('cs1')).toBe('x|y');
    expect(ext.get('cs1Label')).toBe('Pipe test');
  });

  it('keeps "=" inside a value when no key precedes it (URLs)', () => {
    const ext = parseCefExtension('request=http://x.test/?a=b&c=d src=10.0.0.1 dst=10.0.0.2');
    expect(ext.get('request')).toBe('http://x.test/?a=b&c=d');
    expect(ext.get('src')).toBe('10.0.0.1');
  });

  it('reads bracketed and expanded IPv6, and c6a2/c6a3 when src/dst are absent', () => {
    const a = parse('CEF:0|V|P|1|1|n|3|src=[2A01:0DB8:0000:0000:0000:0000:0000:0001] dst=[2001:db8::2] spt=1 dpt=443');
    expect(a.source).toEqual({ ip: '2a01:db8::1', port: 1 });
    expect(a.destination).toEqual({ ip: '2001:db8::2', port: 443 });
    const b = parse('CEF:0|V|P|1|1|n|3|c6a2=2001:db8:0:0:0:0:0:5 c6a2Label=Source IPv6 Address c6a3=2001:db8::6');
    expect(b.source.ip).toBe('2001:db8::5');
    expect(b.destination.ip).toBe('2001:db8::6');
  });

  it('accepts full key names', () => {
    const a = parse('CEF:0|V|P|1|7|n|8|sourceAddress=203.0.113.9 sourcePort=4444 destinationAddress=10.1.1.1 destinationPort=22 transportProtocol=UDP deviceAction=Deny deviceEventCategory=/Attack deviceHostName=fw1');
    expect(a.source).toEqual({ ip: '203.0.113.9', port: 4444 });
    expect(a.destination).toEqual({ ip: '10.1.1.1', port: 22 });
    expect(a.transport).toBe('udp');
    expect(a.action.value).toBe('blocked');
    expect(a.rule.category).toBe('/Attack');
    expect(a.observer.name).toBe('fw1');
  });

  it('reads rt as epoch ms or the CEF text forms', () => {
    const at = (rt: string) => parse(`CEF:0|V|P|1|1|n|3|src=10.0.0.1 rt=${rt} dvc=10.9.9.9`);
    expect(at('1700000000000')).toMatchObject({ timestamp: '2023-11-14T22:13:20.000Z', timezone_source: 'explicit' });
    expect(at('Nov 14 2023 22:13:20')).toMatchObject({ timestamp: '2023-11-14T13:13:20.000Z', timezone_source: 'configured' });
    expect(at('Nov 14 2023 22:13:20 UTC')).toMatchObject({ timestamp: '2023-11-14T22:13:20.000Z', timezone_source: 'explicit' });
    expect(at('Nov 14 2023 22:13:20.123 +0100')).toMatchObject({ timestamp: '2023-11-14T21:13:20.123Z', timezone_source: 'explicit' });
    expect(at('Nov 14 2023 22:13:20 KST')).toMatchObject({ timestamp: '2023-11-14T13:13:20.000Z', timezone_source: 'explicit' });
    expect(at('Sep 08 15:00:00')).toMatchObject({ timestamp: '2025-09-08T06:00:00.000Z', timezone_source: 'configured' });
    expect(at('not a time')).toMatchObject({ timezone_source: 'received' });
    expect(at('1700000000000').observer.name).toBe('10.9.9.9');
    expect(parseCefTime('Feb 30 2024 10:00:00', ctx)).toBeNull();
  });

  it('maps severity numbers and words onto OCSF', () => {
    const sev = (s: string) => parse(`CEF:0|V|P|1|1|n|${s}|src=10.0.0.1`).severity;
    expect(sev('0')).toEqual({ id: 1, raw: '0' });
    expect(sev('Low')).toEqual({ id: 2, raw: 'Low' });
    expect(sev('Medium').id).toBe(3);
    expect(sev('High').id).toBe(4);
    expect(sev('Very-High').id).toBe(5);
    expect(sev('Unknown').id).toBe(0);
    expect(sev('').raw).toBeNull();
  });

  it('rejects with the field named', () => {
    expect(rejected('CEF:0|V|P|1|1|n|5|dst=10.0.0.1 msg=no source')).toBe('field src: missing');
    expect(rejected('CEF:0|V|P|1|1|n|5|src=not-an-ip')).toMatch(/^field src: not an IP address/);
    expect(rejected('CEF:0|V|P|1|1|n')).toMatch(/^field header:/);
    expect(rejected('CEF:0|Ubiquiti|UniF')).toMatch(/^field header:/);
    expect(rejected('CEF:x|V|P|1|1|n|5|src=10.0.0.1')).toMatch(/^field version:/);
    expect(rejected('hello world')).toMatch(/^field header:/);
    expect(rejected('')).toMatch(/^field header:/);
  });

  it('detects CEF shapes and nothing else', () => {
    expect(cefParser.detect(UNIFI_ADMIN)).toBe(true);
    expect(cefParser.detect(UNIFI_ADMIN.replace('CEF:0', 'CEF: 0'))).toBe(true);
    expect(cefParser.detect(UNIFI_NO_PREFIX)).toBe(true);
    expect(cefParser.detect('0|a|b|c')).toBe(false);
    expect(cefParser.detect('0|a\\|b|c|d|e|f|g')).toBe(false);
    expect(cefParser.detect('LEEF:1.0|V|P|1|1|src=1.2.3.4')).toBe(false);
    expect(cefParser.detect('{"event_type":"alert"}')).toBe(false);
    expect(cefParser.detect('date=2024-10-14 time=13:46:40 type="event" subtype="vpn"')).toBe(false);
    expect(cefParser.detect('1,2024/01/15 10:00:00,0123,THREAT,vulnerability,1,2024/01/15 10:00:00,1.2.3.4')).toBe(false);
  });

  it('stays fast on hostile input', () => {
    const t0 = Date.now();
    for (const body of ['a='.repeat(50_000), '='.repeat(100_000), ' x'.repeat(50_000) + '=', '\\'.repeat(100_000), 'k=v\\'.repeat(30_000)]) {
      const r = cefParser.parse(`CEF:0|V|P|1|1|n|5|${body}`, ctx);
      expect(r.kind).toBe('reject');
      cefParser.detect(`0|${'|'.repeat(5)}${body}`);
    }
    expect(Date.now() - t0).toBeLessThan(1000);
  });
});
