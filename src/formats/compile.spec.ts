import { NormalizedAlert } from '../contracts/alert';
import { formatLoadError } from '../playbooks/loader/loader';
import { loadFormatText, type LoadedFormat } from './load';
import { flatten, runLine } from './samples';

/** A LogFormat document from its variable parts (YAML text, indented as written here). */
function doc(body: string, id = 'acme'): string {
  return `apiVersion: gwanje/v1
kind: LogFormat
metadata:
  id: ${id}
  name: ACME
  vendor: ACME Corp
${body}`;
}

function load(text: string): LoadedFormat {
  const r = loadFormatText(text, 'acme.yaml');
  if (r.errors.length) throw new Error(r.errors.map(formatLoadError).join('\n'));
  return r.formats[0];
}

const errorsOf = (text: string) => loadFormatText(text, 'acme.yaml').errors.map(formatLoadError);

function alertOf(f: LoadedFormat, line: string, opts: { received?: string; timezone?: string } = {}) {
  const out = runLine(f.format, line, opts);
  if (out.kind !== 'alert') throw new Error(`expected an alert, got ${JSON.stringify(out)}`);
  expect(NormalizedAlert.safeParse(out.alert).success).toBe(true);
  return flatten(out.alert);
}

describe('LogFormat extractors', () => {
  test('regex: named groups', () => {
    const f = load(doc(`extract:
  regex: '^(?<act>\\S+) (?<src>\\S+) -> (?<dst>\\S+)$'
map:
  source.ip: src
  destination.ip: dst
  action: act
`));
    expect(alertOf(f, 'deny 203.0.113.5 -> 10.0.0.1')).toMatchObject({ 'source.ip': '203.0.113.5', 'destination.ip': '10.0.0.1', 'action.value': 'blocked', 'action.raw': 'deny', format: 'acme', 'observer.vendor': 'ACME Corp', 'observer.product': 'ACME' });
    expect(runLine(f.format, 'garbage')).toMatchObject({ kind: 'reject', error: "acme: line does not match the format's pattern" });
  });

  test('grok: base patterns, dotted field names', () => {
    const f = load(doc(`extract:
  grok: 'ACME %{SYSLOGTIMESTAMP:ts} %{IP:source.ip}:%{INT:sport} %{GREEDYDATA:msg}'
map:
  timestamp: {from: ts, layout: MMM d HH:mm:ss}
  source.ip: source.ip
  source.port: sport
  rule.name: msg
`));
    expect(alertOf(f, 'ACME Jun  5 09:00:01 198.51.100.7:4444 port scan', { received: '2025-06-15T00:00:00Z' })).toMatchObject({
      timestamp: '2025-06-05T00:00:01.000Z', timezone_source: 'configured', 'source.ip': '198.51.100.7', 'source.port': 4444, 'rule.name': 'port scan',
    });
  });

  test('kv: custom separators and quoting; the first of a repeated key counts; an unterminated quote rejects', () => {
    const f = load(doc(`extract:
  kv: {separator: ';', pairSeparator: ':', quote: "'"}
map:
  source.ip: sip
  rule.name: msg
`));
    expect(alertOf(f, "sip:192.0.2.1;msg:'a;b \\' c';sip:192.0.2.9")).toMatchObject({ 'source.ip': '192.0.2.1', 'rule.name': "a;b ' c" });
    expect(runLine(f.format, "sip:192.0.2.1;msg:'open")).toMatchObject({ kind: 'reject', error: expect.stringContaining('field msg: unterminated quoted value') });
  });

  test('csv: header names, $N columns, quoted fields holding the delimiter', () => {
    const f = load(doc(`extract:
  csv: {header: [time, src, dst, name]}
map:
  source.ip: src
  destination.ip: $2
  rule.name: name
`));
    expect(alertOf(f, '1,192.0.2.1,192.0.2.2,"SQL injection, union"')).toMatchObject({ 'source.ip': '192.0.2.1', 'destination.ip': '192.0.2.2', 'rule.name': 'SQL injection, union' });
  });

  test('json: dotted paths; numbers become text; invalid JSON rejects', () => {
    const f = load(doc(`extract:
  json: {paths: {src: client.ip, port: client.port, sev: alert.level}}
map:
  source.ip: src
  source.port: port
  severity: {from: sev, scale: syslog}
`));
    expect(alertOf(f, '{"client":{"ip":"2001:0db8::0001","port":8080},"alert":{"level":3}}')).toMatchObject({ 'source.ip': '2001:db8::1', 'source.port': 8080, 'severity.id': 4, 'severity.raw': '3' });
    expect(runLine(f.format, '{"client":')).toMatchObject({ kind: 'reject', error: expect.stringContaining('invalid JSON') });
  });
});

describe('LogFormat transforms', () => {
  const kv = (map: string, extra = '') => load(doc(`${extra}extract:
  kv: {}
map:
  source.ip: src
${map}`));

  test('severity: a map onto OCSF ids, built-in scales, fallbacks, a constant', () => {
    const f = kv(`  severity:
    - {from: sev, map: {긴급: 5, 높음: 4, 보통: 3}}
    - {from: level, scale: words}
`);
    expect(alertOf(f, 'src=192.0.2.1 sev=높음')).toMatchObject({ 'severity.id': 4, 'severity.raw': '높음' });
    expect(alertOf(f, 'src=192.0.2.1 level=critical')).toMatchObject({ 'severity.id': 5, 'severity.raw': 'critical' });
    expect(alertOf(f, 'src=192.0.2.1')).toMatchObject({ 'severity.id': 0, 'severity.raw': null });
    expect(alertOf(kv('  severity: {value: 2}\n'), 'src=192.0.2.1')).toMatchObject({ 'severity.id': 2, 'severity.raw': null });
  });

  test('timestamp: layouts, the device zone, a zone field, epoch; an unreadable time rejects naming the field', () => {
    const f = kv(`  timestamp:
    - {from: epoch, layout: epoch}
    - {from: [date, time], join: ' ', layout: 'yyyy/MM/dd HH:mm:ss', timezone: '+08:00', timezoneFrom: tz}
`);
    expect(alertOf(f, 'src=192.0.2.1 date=2025/03/01 time=10:00:00')).toMatchObject({ timestamp: '2025-03-01T02:00:00.000Z', timezone_source: 'configured' });
    expect(alertOf(f, 'src=192.0.2.1 date=2025/03/01 time=10:00:00 tz=-0800')).toMatchObject({ timestamp: '2025-03-01T18:00:00.000Z', timezone_source: 'explicit' });
    expect(alertOf(f, 'src=192.0.2.1 epoch=1740790800000000000')).toMatchObject({ timestamp: '2025-03-01T01:00:00.000Z', timezone_source: 'explicit' });
    expect(runLine(f.format, 'src=192.0.2.1 date=2025/13/01 time=10:00:00')).toMatchObject({ kind: 'reject', error: 'acme: field date: unreadable time "2025/13/01 10:00:00" (layout yyyy/MM/dd HH:mm:ss)' });
    // No time at all: the syslog header's time stands in (received otherwise).
    expect(alertOf(f, '<134>Jun 14 23:00:00 fw src=192.0.2.1')).toMatchObject({ timestamp: '2025-06-14T14:00:00.000Z', timezone_source: 'configured', 'observer.name': 'fw' });
  });

  test('charset: percent-encoded and Latin-1-read EUC-KR text becomes Korean', () => {
    const f = kv('  rule.name: {from: msg, charset: euc-kr}\n');
    expect(alertOf(f, 'src=192.0.2.1 msg=%C2%F7%B4%DC')).toMatchObject({ 'rule.name': '차단' });
    expect(alertOf(f, `src=192.0.2.1 msg=${Buffer.from('침입 탐지', 'latin1').length ? String.fromCharCode(0xc4, 0xa7, 0xc0, 0xd4) : ''}`)).toMatchObject({ 'rule.name': '침입' });
    expect(alertOf(f, 'src=192.0.2.1 msg=침입탐지')).toMatchObject({ 'rule.name': '침입탐지' });
  });

  test('ip/port: canonical IPv6, "ip:port" split, protocol numbers, a bad source IP rejects', () => {
    const f = load(doc(`extract:
  kv: {}
map:
  source.ip: {from: from, hostPort: ip}
  source.port: {from: from, hostPort: port}
  destination.ip: dst
  destination.port: dport
  transport: proto
`));
    expect(alertOf(f, 'from=[2001:DB8:0:0::1]:443 dst=::ffff:10.0.0.1 dport=99999 proto=17')).toMatchObject({ 'source.ip': '2001:db8::1', 'source.port': 443, 'destination.ip': '10.0.0.1', 'destination.port': null, transport: 'udp' });
    expect(runLine(f.format, 'from=nope:1')).toMatchObject({ kind: 'reject', error: 'acme: field from: not an IP address ("nope:1")' });
    expect(runLine(f.format, 'dst=10.0.0.1')).toMatchObject({ kind: 'reject', error: 'acme: field from: missing' });
  });

  test('action words: built-in English and Korean, extra words, a forced value; lower, pick, template, nulls', () => {
    const f = kv(`  action: {from: act, blocked: [격리], allowed: [log-only]}
  rule.id: {from: sig, pick: '^SIG-(\\d+)$'}
  rule.name: {template: '{vendor} rule {sig}'}
  rule.category: {from: cat, lower: true, nulls: ['-']}
`, 'nulls: [N/A]\n');
    expect(alertOf(f, 'src=192.0.2.1 act=차단 sig=SIG-42 vendor=x cat=WEB')).toMatchObject({ 'action.value': 'blocked', 'rule.id': '42', 'rule.name': 'x rule SIG-42', 'rule.category': 'web' });
    expect(alertOf(f, 'src=192.0.2.1 act=허용 cat=-')).toMatchObject({ 'action.value': 'allowed', 'rule.category': null });
    expect(alertOf(f, 'src=192.0.2.1 act=격리 sig=N/A')).toMatchObject({ 'action.value': 'blocked', 'rule.id': null });
    expect(alertOf(f, 'src=192.0.2.1 act=log-only')).toMatchObject({ 'action.value': 'allowed' });
    expect(alertOf(f, 'src=192.0.2.1 act=whatever')).toMatchObject({ 'action.value': 'unknown', 'action.raw': 'whatever' });
    const forced = kv('  action: {from: act, value: blocked}\n');
    expect(alertOf(forced, 'src=192.0.2.1 act=login')).toMatchObject({ 'action.value': 'blocked', 'action.raw': 'login' });
  });

  test('cases: the first whose when holds maps the line; skip and reject cases; none matching skips', () => {
    const f = load(doc(`extract:
  kv: {}
map:
  source.ip: src
cases:
  - when: {type: traffic}
    skip: traffic is not an alert
  - when: {type: [ips, IDS], sev: {present: true}}
    map: {rule.category: {value: ips}, severity: {from: sev, scale: words}}
  - when: {type: {regex: '^auth'}}
    map: {rule.category: {value: authentication-failure}}
  - when: {type: broken}
    reject: broken record
`));
    expect(runLine(f.format, 'type=traffic src=192.0.2.1')).toMatchObject({ kind: 'skip', reason: 'traffic is not an alert' });
    expect(alertOf(f, 'type=IPS src=192.0.2.1 sev=high')).toMatchObject({ 'rule.category': 'ips', 'severity.id': 4 });
    expect(alertOf(f, 'type=AUTH-fail src=192.0.2.1')).toMatchObject({ 'rule.category': 'authentication-failure' });
    expect(runLine(f.format, 'type=ips src=192.0.2.1')).toMatchObject({ kind: 'skip', reason: 'acme: no case matches: not an alert' });
    expect(runLine(f.format, 'type=broken src=192.0.2.1')).toMatchObject({ kind: 'reject', error: 'acme: broken record' });
  });

  test('match: program, prefix and regex together decide auto detection', () => {
    const f = load(doc(`match: {program: acmefw, prefix: 'ACME ', regex: 'src='}
extract:
  kv: {}
map:
  source.ip: src
`));
    expect(f.format.detect('ACME src=1.2.3.4', 'acmefw')).toBe(true);
    expect(f.format.detect('ACME src=1.2.3.4', 'other')).toBe(false);
    expect(f.format.detect('ACME dst=1.2.3.4', 'acmefw')).toBe(false);
    expect(load(doc('extract:\n  kv: {}\nmap:\n  source.ip: src\n')).format.detect('src=1', null)).toBe(false);
  });

  test('lines longer than maxLineLength are rejected before any regex runs', () => {
    const f = load(doc(`maxLineLength: 64
extract:
  regex: '^(?<src>\\S+)'
map:
  source.ip: src
`));
    expect(runLine(f.format, `192.0.2.1 ${'x'.repeat(80)}`)).toMatchObject({ kind: 'reject', error: 'acme: line longer than 64 characters (maxLineLength)' });
  });
});

describe('LogFormat errors, at file:line:col', () => {
  test('an unknown key, with a did-you-mean', () => {
    expect(errorsOf(doc('extract:\n  kv: {}\nmap:\n  source.ip: src\nsampels: []\n'))).toEqual(['acme.yaml:11:1  sampels  unknown key "sampels" (did you mean "samples"?)']);
    expect(errorsOf(doc('extract:\n  kv: {}\nmap:\n  source.ip: {form: src}\n'))).toEqual([expect.stringMatching(/^acme\.yaml:10:15 {2}map\.source\.ip\.form {2}unknown key "form" \(did you mean "from"\?\)$/)]);
  });

  test('an unknown normalized field name', () => {
    expect(errorsOf(doc('extract:\n  kv: {}\nmap:\n  source.ip: src\n  src.port: sport\n'))).toEqual(['acme.yaml:11:3  map.src.port  unknown normalized field "src.port" (did you mean "source.port"?)']);
  });

  test('bad transforms: a scale on a non-severity field, a bad severity value, an unsupported layout, an unknown group', () => {
    const errs = errorsOf(doc(`extract:
  regex: '(?<src>\\S+) (?<t>.+)'
map:
  source.ip: src
  rule.name: {from: t, scale: words}
  severity: {from: t, map: {high: 9}}
  timestamp: {from: t, layout: 'yyyy-MM-dd Q'}
  rule.id: nosuch
`));
    expect(errs).toEqual([
      'acme.yaml:11:24  map.rule.name.scale  scale applies to severity only, not rule.name',
      'acme.yaml:12:29  map.severity.map.high  severity map values are OCSF ids 0–6, got 9',
      expect.stringMatching(/^acme\.yaml:13:24 {2}map\.timestamp\.layout {2}unsupported layout "yyyy-MM-dd Q": letter Q/),
      'acme.yaml:14:3  map.rule.id  unknown extracted field "nosuch" (the extractor gives: src, t)',
    ]);
  });

  test('a bad regex and a catastrophic one', () => {
    expect(errorsOf(doc("extract:\n  regex: '(?<src>[a-'\nmap:\n  source.ip: src\n"))).toEqual([expect.stringMatching(/^acme\.yaml:8:3 {2}extract\.regex {2}bad regex: /)]);
    expect(errorsOf(doc("extract:\n  regex: '^(?<src>(a+)+)$'\nmap:\n  source.ip: src\n"))).toEqual([
      expect.stringMatching(/^acme\.yaml:8:23 {2}extract\.regex {2}regex refused: nested repetition/),
    ]);
    expect(errorsOf(doc("extract:\n  grok: '%{IP:src} %{NOPE:x}'\nmap:\n  source.ip: src\n"))).toEqual([expect.stringMatching(/^acme\.yaml:8:20 {2}extract\.grok {2}unknown grok pattern NOPE/)]);
  });

  test('a failing sample: which sample, which field, expected vs got; a sample of the wrong outcome', () => {
    const errs = errorsOf(doc(`extract:
  kv: {}
map:
  source.ip: src
  source.port: sport
samples:
  - line: src=192.0.2.1 sport=80
    expect: {source.ip: 192.0.2.1, source.port: 81}
  - line: nothing here
`));
    expect(errs).toEqual([
      'acme.yaml:14:36  samples[0].expect.source.port  sample 1: source.port: expected 81, got 80',
      'acme.yaml:15:5  samples[1].line  sample 2: expected an alert, got a reject: acme: no key=value pairs',
    ]);
  });

  test('a sample that match does not recognise fails (auto would not pick the format)', () => {
    const errs = errorsOf(doc(`match: {prefix: 'ACME:'}
extract:
  kv: {}
map:
  source.ip: src
samples:
  - line: src=192.0.2.1
`));
    expect(errs).toEqual(['acme.yaml:13:5  samples[0].line  sample 1: match: does not recognise this line, so format=auto would not pick this format']);
  });

  test('source.ip must be mapped; the id auto is reserved', () => {
    expect(errorsOf(doc('extract:\n  kv: {}\nmap:\n  rule.id: x\n'))).toEqual([expect.stringContaining('map  source.ip is not mapped')]);
    expect(errorsOf(doc('extract:\n  kv: {}\nmap:\n  source.ip: x\n', 'auto'))).toEqual([expect.stringContaining('metadata.id  auto is reserved')]);
  });
});
