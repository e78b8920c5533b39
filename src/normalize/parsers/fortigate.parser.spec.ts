import { expectAlert } from './parser-spec.helpers';
import type { ParseContext } from '../parser';
import { fortigateParser, parseFortiKv } from './fortigate.parser';

const ctx: ParseContext = { jurisdiction: 'j', receivedAt: Date.UTC(2024, 9, 14, 21, 0, 0), timezone: '+09:00', originalMaxBytes: 4096 };

const alertOf = expectAlert;
const parse = (line: string) => alertOf(fortigateParser.parse(line, ctx));
const result = (line: string) => fortigateParser.parse(line, ctx);

// Real line from the CrowdSec hub test corpus (fortinet-vpn-bf.log).
const VPN_FAIL =
  'date=2024-10-14 time=13:46:40 eventtime=1728938800841267391 tz="-0700" logid="1234567890" type="event" subtype="vpn" level="alert" vd="root" logdesc="SSL VPN login fail" action="ssl-login-fail" tunneltype="ssl-web" tunnelid=0 remip=192.168.0.1 user="N/A" group="N/A" dst_host="N/A" reason="sslvpn_login_unknown_user" msg="SSL user failed to logged in"';

const IPS =
  'date=2024-01-15 time=10:00:00 devname="FGT-HQ" devid="FG100F0000000001" logid="0419016384" type="utm" subtype="ips" eventtype="signature" level="alert" vd="root" eventtime=1705280400 tz="+0900" severity="high" srcip=203.0.113.5 srccountry="Reserved" dstip=10.0.0.10 srcintf="wan1" dstintf="internal" sessionid=12345 action="dropped" proto=6 service="HTTP" policyid=1 attack="Apache.Log4j.Error.Log.Remote.Code.Execution" srcport=54321 dstport=80 hostname="www.example.test" url="/?x=${jndi:ldap://a b}" direction="outgoing" attackid=51006 profile="default" ref="http://www.fortinet.com/ids/VID51006" incidentserialno=123 msg="applications3: Apache.Log4j.Error.Log.Remote.Code.Execution," crscore=50 craction=4096 crlevel="critical"';

describe('fortigateParser', () => {
  it('turns a real SSL VPN login failure into an authentication-failure alert', () => {
    const a = parse(VPN_FAIL);
    expect(a.source).toEqual({ ip: '192.168.0.1', port: null });
    expect(a.rule).toEqual({ id: '1234567890', name: 'SSL VPN login fail', category: 'authentication-failure' });
    expect(a.action).toEqual({ value: 'blocked', raw: 'ssl-login-fail' });
    expect(a.observer).toEqual({ vendor: 'Fortinet', product: 'FortiGate', name: null });
    expect(a.severity).toEqual({ id: 5, raw: 'alert' });
    expect(a.format).toBe('fortigate');
  });

  it('reads ns eventtime exactly (as a string, truncated to ms, never rounded through a double)', () => {
    expect(parse(VPN_FAIL)).toMatchObject({ timestamp: '2024-10-14T20:46:40.841Z', timezone_source: 'explicit' });
    const ns = VPN_FAIL.replace('eventtime=1728938800841267391', 'eventtime=1728938800841999999');
    // Number("1728938800841999999") / 1e6 would give ...842
    expect(Date.parse(parse(ns).timestamp)).toBe(1728938800841);
    const et = (v: string) => parse(VPN_FAIL.replace('eventtime=1728938800841267391', `eventtime=${v}`)).timestamp;
    expect(et('1728938800')).toBe('2024-10-14T20:46:40.000Z');
    expect(et('1728938800123')).toBe('2024-10-14T20:46:40.123Z');
    expect(et('1728938800123456')).toBe('2024-10-14T20:46:40.123Z');
  });

  it('falls back to date+time in tz (all its forms), else the configured zone', () => {
    const noEt = VPN_FAIL.replace('eventtime=1728938800841267391 ', '');
    const at = (tz: string | null) => parse(tz == null ? noEt.replace('tz="-0700" ', '') : noEt.replace('tz="-0700"', tz));
    expect(at('tz="-0700"')).toMatchObject({ timestamp: '2024-10-14T20:46:40.000Z', timezone_source: 'explicit' });
    expect(at('tz=-0800')).toMatchObject({ timestamp: '2024-10-14T21:46:40.000Z', timezone_source: 'explicit' });
    expect(at('tz=+0900')).toMatchObject({ timestamp: '2024-10-14T04:46:40.000Z', timezone_source: 'explicit' });
    expect(at('tz="UTC+5:30"')).toMatchObject({ timestamp: '2024-10-14T08:16:40.000Z', timezone_source: 'explicit' });
    expect(at(null)).toMatchObject({ timestamp: '2024-10-14T04:46:40.000Z', timezone_source: 'configured' });
    expect(at('tz="N/A"')).toMatchObject({ timezone_source: 'configured' });
  });

  it('parses an IPS row', () => {
    const a = parse(IPS);
    expect(a.source).toEqual({ ip: '203.0.113.5', port: 54321 });
    expect(a.destination).toEqual({ ip: '10.0.0.10', port: 80 });
    expect(a.transport).toBe('tcp');
    expect(a.rule).toEqual({ id: '51006', name: 'Apache.Log4j.Error.Log.Remote.Code.Execution', category: 'ips' });
    expect(a.severity).toEqual({ id: 4, raw: 'high' });
    expect(a.action).toEqual({ value: 'blocked', raw: 'dropped' });
    expect(a.observer.name).toBe('FGT-HQ');
    expect(a.timestamp).toBe('2024-01-15T01:00:00.000Z');
  });

  it('maps IPS actions and takes crlevel when severity is absent', () => {
    const act = (v: string) => parse(IPS.replace('action="dropped"', `action="${v}"`)).action.value;
    expect(act('detected')).toBe('allowed');
    expect(act('pass')).toBe('allowed');
    expect(act('reset')).toBe('blocked');
    expect(act('clear_session')).toBe('blocked');
    expect(act('something')).toBe('unknown');
    expect(parse(IPS.replace('severity="high" ', '')).severity).toEqual({ id: 5, raw: 'critical' });
    expect(parse(IPS.replace('devname="FGT-HQ" ', '')).observer.name).toBe('FG100F0000000001');
  });

  it('reads quoted values with spaces and escaped quotes, bare values, and N/A as null', () => {
    const p = parseFortiKv('a="he said \\"hi\\" there" b=plain c="N/A" d=N/A e="" f="C:\\Temp\\x" g="back\\\\slash"');
    if (!p.ok) throw new Error(p.error);
    expect(p.kv.get('a')).toBe('he said "hi" there');
    expect(p.kv.get('b')).toBe('plain');
    expect(p.kv.get('c')).toBeNull();
    expect(p.kv.get('d')).toBeNull();
    expect(p.kv.get('e')).toBeNull();
    expect(p.kv.get('f')).toBe('C:\\Temp\\x');
    expect(p.kv.get('g')).toBe('back\\slash');
    expect(parse(IPS).rule.name).toBe('Apache.Log4j.Error.Log.Remote.Code.Execution');
  });

  it('treats admin login failures as authentication failures', () => {
    const base = 'date=2024-10-14 time=13:46:40 devname="FGT-HQ" logid="0100032002" type="event" subtype="system" level="alert" vd="root" logdesc="Admin login failed" user="admin" ui="https(198.51.100.7)" method="https"';
    const a = parse(`${base} srcip=198.51.100.7 dstip=10.0.0.1 action="login" status="failed" reason="passwd_invalid"`);
    expect(a.source.ip).toBe('198.51.100.7');
    expect(a.rule).toEqual({ id: '0100032002', name: 'Admin login failed', category: 'authentication-failure' });
    expect(a.action).toEqual({ value: 'blocked', raw: 'login' });
    expect(a.timezone_source).toBe('configured');
    // Older firmware: no srcip, the address only in ui="ssh(ip)".
    expect(parse(`${base.replace('https(198.51.100.7)', 'ssh(2001:db8::7)')} action="login" status="failed"`).source.ip).toBe('2001:db8::7');
    expect(result(`${base.replace('Admin login failed', 'Admin login successful')} srcip=198.51.100.7 action="login" status="success"`).kind).toBe('skip');
  });

  it('takes the other UTM alert subtypes; webfilter and app-ctrl only when blocked', () => {
    const utm = (sub: string, rest: string) => `date=2024-01-15 time=10:00:00 logid="0211008192" type="utm" subtype="${sub}" srcip=10.0.0.5 dstip=198.51.100.9 srcport=1 dstport=80 proto=6 ${rest}`;
    expect(parse(utm('virus', 'action="blocked" virus="EICAR_TEST_FILE" virusid=2172 crlevel="critical"')).rule).toEqual({ id: '2172', name: 'EICAR_TEST_FILE', category: 'virus' });
    expect(parse(utm('webfilter', 'action="blocked" cat=26 catdesc="Malicious Websites"')).rule).toEqual({ id: '26', name: 'Malicious Websites', category: 'webfilter' });
    expect(result(utm('webfilter', 'action="passthrough" cat=26 catdesc="Malicious Websites"')).kind).toBe('skip');
    expect(parse(utm('app-ctrl', 'action="block" appid=41468 app="BitTorrent"')).rule.name).toBe('BitTorrent');
    expect(result(utm('app-ctrl', 'action="pass" appid=41468 app="BitTorrent"')).kind).toBe('skip');
    expect(parse(utm('anomaly', 'action="clear_session" attack="tcp_syn_flood" attackid=100663396 severity="critical"')).severity.id).toBe(5);
    expect(parse(utm('waf', 'action="blocked" msg="SQL injection"')).rule.category).toBe('waf');
    expect(result(utm('dns', 'action="pass"')).kind).toBe('skip');
  });

  it('skips traffic and non-alert events, not rejects', () => {
    expect(result('date=2024-01-15 time=10:00:00 logid="0000000013" type="traffic" subtype="forward" srcip=10.0.0.1 dstip=8.8.8.8 action="accept"')).toEqual({ kind: 'skip', reason: 'fortigate type traffic is not an alert' });
    expect(result(VPN_FAIL.replace('SSL VPN login fail', 'SSL VPN tunnel up').replace('ssl-login-fail', 'tunnel-up')).kind).toBe('skip');
    expect(result('date=2024-01-15 time=10:00:00 logid="0100032001" type="event" subtype="system" logdesc="Admin login successful" action="login" status="success"').kind).toBe('skip');
  });

  it('rejects with the field named', () => {
    const err = (line: string) => {
      const r = result(line);
      if (r.kind !== 'reject') throw new Error(`expected reject, got ${JSON.stringify(r)}`);
      return r.error;
    };
    expect(err(IPS.replace('srcip=203.0.113.5', 'srcip=N/A'))).toBe('field srcip: missing');
    expect(err(IPS.replace('srcip=203.0.113.5', 'srcip=999.1.1.1'))).toMatch(/^field srcip: not an IP address/);
    expect(err(VPN_FAIL.replace('remip=192.168.0.1 ', ''))).toBe('field remip: missing');
    expect(err(VPN_FAIL.slice(0, VPN_FAIL.indexOf('SSL user failed') + 5))).toMatch(/^field msg: unterminated quoted value/);
    expect(err('hello world')).toMatch(/^field type:/);
    expect(err('date=2024-01-15 time=10:00:00 devname="x"')).toBe('field type: missing');
    expect(err(IPS.replace('eventtime=1705280400 ', '').replace('date=2024-01-15', 'date=yesterday'))).toMatch(/^field date:/);
    expect(err(IPS.replace('eventtime=1705280400 ', '').replace('date=2024-01-15', 'date=2024-02-30'))).toMatch(/^field date:/);
  });

  it('detects FortiGate lines and nothing else', () => {
    expect(fortigateParser.detect(VPN_FAIL)).toBe(true);
    expect(fortigateParser.detect(IPS)).toBe(true);
    expect(fortigateParser.detect('logver=700 devid="FG100F" devname="fw" logid="0419016384" type="utm" subtype="ips"')).toBe(true);
    expect(fortigateParser.detect('CEF:0|Fortinet|Fortigate|7.0|0419016384|ips|5|src=1.2.3.4 devid=FG type=utm')).toBe(false);
    expect(fortigateParser.detect('LEEF:1.0|V|P|1|E|src=1.2.3.4\tdevname=x\ttype=y')).toBe(false);
    expect(fortigateParser.detect('{"devid":"x","type":"utm"}')).toBe(false);
    expect(fortigateParser.detect('user logged in with date=today')).toBe(false);
    expect(fortigateParser.detect('1,2024/01/15 10:00:00,0123,THREAT,vulnerability,1,2024/01/15 10:00:00,1.2.3.4')).toBe(false);
  });

  it('stays fast on hostile input', () => {
    const t0 = Date.now();
    fortigateParser.parse(`type="utm" subtype="ips" msg="${'\\'.repeat(200_000)}`, ctx);
    fortigateParser.parse(`${'a '.repeat(100_000)}type=x`, ctx);
    fortigateParser.parse('='.repeat(200_000), ctx);
    fortigateParser.detect(`date=${'x'.repeat(200_000)}`);
    expect(Date.now() - t0).toBeLessThan(1000);
  });
});
