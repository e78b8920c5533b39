import { expectAlert, expectReject } from './parser-spec.helpers';
import type { ParseContext } from '../parser';
import { panosParser, splitCsv, splitThreatName } from './panos.parser';

const ctx: ParseContext = { jurisdiction: 'j', receivedAt: Date.UTC(2024, 0, 15, 1, 0, 10), timezone: '+09:00', originalMaxBytes: 4096 };

const alertOf = expectAlert;
const parse = (line: string) => alertOf(panosParser.parse(line, ctx));
const result = (line: string) => panosParser.parse(line, ctx);
const rejected = (line: string) => {
  const r = result(line);
  return expectReject(r);
};

/** THREAT columns 0..35 (up to direction), then whatever newer PAN-OS versions append. */
const THREAT_COLS = [
  '1', '2024/01/15 10:00:05', '012801000001', 'THREAT', 'vulnerability', '2561', '2024/01/15 10:00:00',
  '203.0.113.5', '10.0.0.10', '0.0.0.0', '0.0.0.0', 'Allow-Web', '', '', 'web-browsing', 'vsys1',
  'untrust', 'trust', 'ethernet1/1', 'ethernet1/2', 'Forward-All', '2024/01/15 10:00:05', '123456', '1',
  '54321', '80', '0', '0', '0x80000000', 'tcp', 'reset-both', '"www.example.test/index.php?a=1,b=2"',
  '"Apache Struts2 (CVE-2017-5638) Remote Code Execution, ""S2-045""(30820)"', 'code-execution', 'critical', 'client-to-server',
];
const EXTRA = ['8', '0x0', '10.0.0.0-10.255.255.255', 'Korea, Republic of', '0', '', '', '0', '', '', '', '', '', '', '', '', '"a,b"', ''];
const line = (cols: string[]) => cols.join(',');
const THREAT = line(THREAT_COLS);
const withCol = (i: number, v: string) => line(THREAT_COLS.map((c, k) => (k === i ? v : c)));

describe('panosParser', () => {
  it('parses a THREAT row with quoted commas, doubled quotes and parentheses in the threat name', () => {
    const a = parse(THREAT);
    expect(a.source).toEqual({ ip: '203.0.113.5', port: 54321 });
    expect(a.destination).toEqual({ ip: '10.0.0.10', port: 80 });
    expect(a.transport).toBe('tcp');
    expect(a.rule).toEqual({ id: '30820', name: 'Apache Struts2 (CVE-2017-5638) Remote Code Execution, "S2-045"', category: 'code-execution' });
    expect(a.action).toEqual({ value: 'blocked', raw: 'reset-both' });
    expect(a.severity).toEqual({ id: 5, raw: 'critical' });
    expect(a.observer).toEqual({ vendor: 'Palo Alto Networks', product: 'PAN-OS', name: '012801000001' });
    expect(a.timestamp).toBe('2024-01-15T01:00:00.000Z'); // GeneratedTime in the configured zone (+09:00)
    expect(a.timezone_source).toBe('configured');
    expect(a.format).toBe('panos');
  });

  it('accepts extra columns from newer versions and an empty FUTURE_USE', () => {
    expect(parse(line([...THREAT_COLS, ...EXTRA]))).toEqual(parse(THREAT));
    expect(parse(withCol(0, ''))).toEqual(parse(THREAT));
  });

  it('falls back to the subtype when the category says nothing, and to ReceiveTime', () => {
    expect(parse(line(THREAT_COLS.map((c, k) => (k === 33 ? 'any' : k === 4 ? 'spyware' : c)))).rule.category).toBe('spyware');
    expect(parse(withCol(33, '')).rule.category).toBe('vulnerability');
    expect(parse(withCol(6, '')).timestamp).toBe('2024-01-15T01:00:05.000Z');
  });

  it('maps actions', () => {
    const act = (v: string) => parse(withCol(30, v)).action.value;
    expect(act('alert')).toBe('allowed');
    expect(act('allow')).toBe('allowed');
    expect(act('drop')).toBe('blocked');
    expect(act('reset-client')).toBe('blocked');
    expect(act('block-ip')).toBe('blocked');
    expect(act('deny')).toBe('blocked');
    expect(act('sinkhole')).toBe('blocked');
    expect(act('continue')).toBe('unknown');
  });

  it('skips non-THREAT rows and URL-filtering records', () => {
    const traffic = '1,2024/01/15 10:00:05,012801000001,TRAFFIC,end,2561,2024/01/15 10:00:00,10.0.0.1,8.8.8.8,0.0.0.0,0.0.0.0,Allow-DNS,,,dns,vsys1,trust,untrust,ethernet1/2,ethernet1/1,Forward-All,2024/01/15 10:00:05,1,1,5353,53,0,0,0x19,udp,allow,100,50,50,2';
    expect(result(traffic)).toEqual({ kind: 'skip', reason: 'panos TRAFFIC log is not an alert' });
    expect(result('1,2024/01/15 10:00:05,012801000001,SYSTEM,general,0,2024/01/15 10:00:05,,general,,0,0,general,informational,"User admin logged in"').kind).toBe('skip');
    // PAN-OS documentation example (URL subtype): doubled quotes inside a quoted URL.
    const url = '1,2012/04/10 04:39:55,0011C103117,THREAT,url,1,2012/04/10 04:39:55,192.168.0.2,204.232.231.46,0.0.0.0,0.0.0.0,Rule 1,crusher,,web-browsing,vsys1,trust,untrust,ethernet1/2,ethernet1/1,forwardAll,2012/04/10 04:39:57,22939,1,53646,80,0,0,0x208000,tcp,alert,"www.facebook.com/ajax/pagelet/generic.php/WebEgoPane?__a=1&data={""req"":[{""type"":""ego"",""source"":""home""}]}&__user=100001990817213",(9999),social-networking,informational,client-to-server';
    expect(result(url).kind).toBe('skip');
    const f = splitCsv(url);
    if (!f.ok) throw new Error(f.error);
    expect(f.fields).toHaveLength(36);
    expect(f.fields[31]).toBe('www.facebook.com/ajax/pagelet/generic.php/WebEgoPane?__a=1&data={"req":[{"type":"ego","source":"home"}]}&__user=100001990817213');
  });

  it('splits threat names on the LAST "(digits)"', () => {
    expect(splitThreatName('Microsoft Windows SMB Remote Code Execution Vulnerability(41978)')).toEqual({ name: 'Microsoft Windows SMB Remote Code Execution Vulnerability', id: '41978' });
    expect(splitThreatName('Suspicious DNS Query (generic:evil.test)(109000001)')).toEqual({ name: 'Suspicious DNS Query (generic:evil.test)', id: '109000001' });
    expect(splitThreatName('Name (2017) thing(55)')).toEqual({ name: 'Name (2017) thing', id: '55' });
    expect(splitThreatName('(9999)')).toEqual({ name: null, id: '9999' });
    expect(splitThreatName('Windows Executable (EXE)')).toEqual({ name: 'Windows Executable (EXE)', id: null });
    expect(splitThreatName('')).toEqual({ name: null, id: null });
  });

  it('splits CSV with empty, quoted and trailing fields', () => {
    expect(splitCsv('a,,"b,c","d""e",')).toEqual({ ok: true, fields: ['a', '', 'b,c', 'd"e', ''] });
    expect(splitCsv('')).toEqual({ ok: true, fields: [''] });
    expect(splitCsv('a,"open')).toEqual({ ok: false, error: 'csv: unterminated quoted field at column 2 (truncated line?)' });
  });

  it('rejects garbage and truncated rows with a reason', () => {
    expect(rejected(THREAT.slice(0, 200))).toMatch(/^field direction: THREAT row has \d+ columns/);
    expect(rejected(THREAT.slice(0, THREAT.indexOf('(CVE')))).toMatch(/^csv: unterminated quoted field at column 33/);
    expect(rejected(withCol(7, 'not-an-ip'))).toMatch(/^field src: not an IP address/);
    expect(rejected(withCol(7, ''))).toBe('field src: missing');
    expect(rejected(line(THREAT_COLS.map((c, k) => (k === 6 || k === 1 ? '2024/13/45 99:00:00' : c))))).toMatch(/^field generated_time:/);
    expect(rejected('hello')).toMatch(/^field type:/);
    expect(rejected('a,b,c,<<not a type>>')).toMatch(/^field type:/);
  });

  it('detects PAN-OS CSV and nothing else', () => {
    expect(panosParser.detect(THREAT)).toBe(true);
    expect(panosParser.detect(withCol(0, ''))).toBe(true);
    expect(panosParser.detect('1,2024/01/15 10:00:05,012801000001,TRAFFIC,end,2561')).toBe(true);
    expect(panosParser.detect('CEF:0|Palo Alto Networks|PAN-OS|10.1|vulnerability|THREAT|5|src=1.2.3.4')).toBe(false);
    expect(panosParser.detect('date=2024-10-14 time=13:46:40 type="utm"')).toBe(false);
    expect(panosParser.detect('1,2,3,THREAT')).toBe(false);
  });

  it('stays fast on hostile input', () => {
    const t0 = Date.now();
    splitThreatName('('.repeat(200_000) + '1');
    splitThreatName('(1'.repeat(100_000));
    panosParser.parse(','.repeat(200_000), ctx);
    panosParser.parse('"'.repeat(200_001), ctx);
    panosParser.detect(`1,2024/01/15 10:00:05,${'x'.repeat(200_000)}`);
    expect(Date.now() - t0).toBeLessThan(1000);
  });
});
