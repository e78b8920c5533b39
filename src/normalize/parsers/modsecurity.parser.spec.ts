import { expectAlert, expectReject } from './parser-spec.helpers';
import type { ParseContext } from '../parser';
import { modsecurityParser } from './modsecurity.parser';

const ctx: ParseContext = { jurisdiction: 'j', receivedAt: Date.UTC(2024, 5, 1), timezone: '+09:00', originalMaxBytes: 4096 };

function alertOf(line: string, c: ParseContext = ctx) {
  const r = modsecurityParser.parse(line, c);
  return expectAlert(r);
}

function rejectOf(line: string): string {
  const r = modsecurityParser.parse(line, ctx);
  return expectReject(r);
}

// Real lines: /work/shared/corpus/crowdsec-hub/modsecurity.log (lines 1, 9 and 10).
const CORPUS_WARNING = String.raw`[Thu Sep 30 13:27:06.009964 2021] [:error] [pid 2560:tid 140496349419264] [client ::1:37752] [client ::1] ModSecurity: Warning. Pattern match "(?i)(?:\\\\x5c|(?:%(?:c(?:0%(?:[2aq]f|5c|9v)|1%(?:[19p]c|8s|af))|2(?:5(?:c(?:0%25af|1%259c)|2f|5c)|%46|f)|(?:(?:f(?:8%8)?0%8|e)0%80%a|bg%q)f|%3(?:2(?:%(?:%6|4)6|F)|5%%63)|u(?:221[56]|002f|EFC8|F025)|1u|5c)|0x(?:2f|5c)|\\\\/))(?:%(?:(?:f(?:(?:c%80|8)%8)?0%8 ..." at REQUEST_URI_RAW. [file "/usr/share/modsecurity-crs/rules/REQUEST-930-APPLICATION-ATTACK-LFI.conf"] [line "47"] [id "930100"] [msg "Path Traversal Attack (/../)"] [data "Matched Data: /../ found within REQUEST_URI_RAW: /?a=../../../../../etc/passwd"] [severity "CRITICAL"] [ver "OWASP_CRS/3.3.0"] [tag "application-multi"] [tag "language-multi"] [tag "platform-multi"] [tag "attack-lfi"] [tag "paranoia-level/1"] [tag "OWASP_CRS"] [tag "capec/1000/255/153/126"] [hostname "localhost"] [uri "/"] [unique_id "YVW7KjiKxXlACWj0fjsbkgAAAEk"]`;
const CORPUS_DENIED = String.raw`[Thu Sep 30 13:27:06.010524 2021] [:error] [pid 2560:tid 140496349419264] [client ::1:37752] [client ::1] ModSecurity: Access denied with code 403 (phase 2). Operator GE matched 5 at TX:anomaly_score. [file "/usr/share/modsecurity-crs/rules/REQUEST-949-BLOCKING-EVALUATION.conf"] [line "93"] [id "949110"] [msg "Inbound Anomaly Score Exceeded (Total Score: 40)"] [severity "CRITICAL"] [ver "OWASP_CRS/3.3.0"] [tag "application-multi"] [tag "language-multi"] [tag "platform-multi"] [tag "attack-generic"] [hostname "localhost"] [uri "/"] [unique_id "YVW7KjiKxXlACWj0fjsbkgAAAEk"]`;
const CORPUS_NO_SEVERITY = String.raw`[Thu Sep 30 13:27:06.010641 2021] [:error] [pid 2560:tid 140496349419264] [client ::1:37752] [client ::1] ModSecurity: Warning. Operator GE matched 5 at TX:inbound_anomaly_score. [file "/usr/share/modsecurity-crs/rules/RESPONSE-980-CORRELATION.conf"] [line "91"] [id "980130"] [msg "Inbound Anomaly Score Exceeded (Total Inbound Score: 40 - SQLI=0,XSS=0,RFI=0,LFI=35,RCE=5,PHPI=0,HTTP=0,SESS=0): individual paranoia level scores: 40, 0, 0, 0"] [ver "OWASP_CRS/3.3.0"] [tag "event-correlation"] [hostname "localhost"] [uri "/"] [unique_id "YVW7KjiKxXlACWj0fjsbkgAAAEk"]`;

// libmodsecurity 3 + nginx error log (owasp-modsecurity/ModSecurity#2220).
const NGINX =
  '2019/12/16 12:18:01 [error] 15769#15769: *1 [client 127.0.0.1] ModSecurity: Access denied with code 403 (phase 2). ' +
  "Matched \"Operator `Ge' with parameter `5' against variable `TX:ANOMALY_SCORE' (Value: `15' ) " +
  '[file "/etc/nginx/modsecurity3/activated_rules/rules/REQUEST-949-BLOCKING-EVALUATION.conf"] [line "79"] [id "949110"] [rev ""] ' +
  '[msg "Inbound Anomaly Score Exceeded (Total Score: 15)"] [data ""] [severity "2"] [ver ""] [maturity "0"] [accuracy "0"] ' +
  '[tag "application-multi"] [tag "language-multi"] [tag "platform-multi"] [tag "attack-generic"] [hostname "127.0.0.1"] [uri "/"] ' +
  '[unique_id "157649868155.730577"] [ref ""], client: 127.0.0.1, server: localhost, request: "GET /?param=\\"><script>alert(1);</script> HTTP/1.1", host: "localhost"';

const message = (ruleId: string, severity: string, text: string, tags: string[]) => ({
  message: text,
  details: { match: 'm', reference: '', ruleId, file: '/crs.conf', lineNumber: '1', data: '', severity, ver: 'OWASP_CRS/3.2.0', rev: '', tags, maturity: '0', accuracy: '0' },
});

function v3(overrides: Record<string, unknown> = {}, messages: unknown[] = [
  message('949110', '0', 'Inbound Anomaly Score Exceeded (Total Score: 10)', ['application-multi', 'attack-generic']),
  message('942100', '2', 'SQL Injection Attack Detected via libinjection', ['application-multi', 'language-multi', 'attack-sqli', 'paranoia-level/1']),
  message('920350', '4', 'Host header is a numeric IP address', ['attack-protocol']),
]): string {
  return JSON.stringify({
    transaction: {
      client_ip: '2001:0db8:0000:0000:0000:0000:0000:0001',
      time_stamp: 'Thu Oct 24 15:39:13 2019',
      server_id: '474b1dfa0a32e45055d8b70069a09292af72bbe6',
      client_port: 57258,
      host_ip: '10.0.0.5',
      host_port: 80,
      unique_id: '157192795364.017298',
      request: { method: 'GET', http_version: 1.1, uri: "/?id=1' or 1=1--", headers: { Host: 'www.example.kr', 'User-Agent': 'sqlmap' } },
      response: { http_code: 403, headers: {} },
      producer: { modsecurity: 'ModSecurity v3.0.3 (Linux)', connector: 'ModSecurity-nginx v1.0.0', secrules_engine: 'Enabled' },
      messages,
      ...overrides,
    },
  });
}

describe('modsecurityParser — v3 JSON audit log', () => {
  it('makes one alert from the most severe message', () => {
    expect(alertOf(v3())).toEqual({
      timestamp: '2019-10-24T06:39:13.000Z', // device-local, configured zone +09:00
      timezone_source: 'configured',
      observer: { vendor: 'OWASP', product: 'ModSecurity', name: 'www.example.kr' },
      source: { ip: '2001:db8::1', port: 57258 },
      destination: { ip: '10.0.0.5', port: 80 },
      transport: 'tcp',
      rule: { id: '942100', name: 'SQL Injection Attack Detected via libinjection', category: 'attack-sqli' },
      action: { value: 'blocked', raw: '403' },
      severity: { id: 5, raw: '2' },
      format: 'modsecurity',
    });
  });

  it('reads severity "0" (what libmodsecurity writes when a rule sets none) as Unknown, not Fatal', () => {
    const a = alertOf(v3({}, [message('949110', '0', 'Inbound Anomaly Score Exceeded', ['attack-generic'])]));
    expect(a.severity).toEqual({ id: 0, raw: '0' });
    expect(a.rule.id).toBe('949110');
    expect(alertOf(v3({}, [message('1', 'EMERGENCY', 'x', [])])).severity.id).toBe(6);
    expect(alertOf(v3({}, [message('1', 'WARNING', 'x', []), message('2', 'NOTICE', 'y', [])])).rule.id).toBe('1');
  });

  it('is blocked only on 403 or an intervention; otherwise unknown', () => {
    expect(alertOf(v3({ response: { http_code: 200 } })).action).toEqual({ value: 'unknown', raw: '200' });
    expect(alertOf(v3({ response: { http_code: 302 }, intervention: { status: 302 } })).action.value).toBe('blocked');
    expect(alertOf(v3({ response: undefined })).action).toEqual({ value: 'unknown', raw: null });
  });

  it('accepts an ISO time_stamp (explicit zone) and no tags', () => {
    const a = alertOf(v3({ time_stamp: '2019-10-24T15:39:13.5+09:00' }, [{ message: 'm', details: { ruleId: '1', severity: '3' } }]));
    expect(a.timestamp).toBe('2019-10-24T06:39:13.500Z');
    expect(a.timezone_source).toBe('explicit');
    expect(a.rule.category).toBeNull();
    expect(a.severity.id).toBe(4);
  });

  it('skips transactions without messages', () => {
    expect(modsecurityParser.parse(v3({}, []), ctx)).toEqual({ kind: 'skip', reason: 'transaction has no messages' });
    expect(modsecurityParser.parse(v3({ messages: undefined }), ctx).kind).toBe('skip');
  });

  it('rejects bad or truncated audit records with the field named', () => {
    expect(rejectOf(v3().slice(0, 200))).toMatch(/invalid JSON/);
    expect(rejectOf('{"foo":1}')).toMatch(/field transaction/);
    expect(rejectOf(v3({ client_ip: 'unknown' }))).toMatch(/field transaction.client_ip/);
    expect(rejectOf(v3({ time_stamp: 'yesterday' }))).toMatch(/field transaction.time_stamp/);
    expect(rejectOf(v3({ messages: 'x' }))).toMatch(/field transaction.messages/);
  });
});

describe('modsecurityParser — v2 error-log lines', () => {
  it('parses a corpus Warning line: [client ::1:37752] + [client ::1] → ::1 port 37752', () => {
    expect(alertOf(CORPUS_WARNING)).toEqual({
      timestamp: '2021-09-30T04:27:06.009Z',
      timezone_source: 'configured',
      observer: { vendor: 'OWASP', product: 'ModSecurity', name: 'localhost' },
      source: { ip: '::1', port: 37752 },
      destination: { ip: null, port: null },
      transport: 'tcp',
      rule: { id: '930100', name: 'Path Traversal Attack (/../)', category: 'attack-lfi' },
      action: { value: 'unknown', raw: 'Warning' },
      severity: { id: 5, raw: 'CRITICAL' },
      format: 'modsecurity',
    });
  });

  it('parses a corpus "Access denied" line as blocked', () => {
    const a = alertOf(CORPUS_DENIED);
    expect(a.action).toEqual({ value: 'blocked', raw: 'Access denied with code 403 (phase 2)' });
    expect(a.rule).toEqual({ id: '949110', name: 'Inbound Anomaly Score Exceeded (Total Score: 40)', category: 'attack-generic' });
  });

  it('parses a corpus line without severity', () => {
    const a = alertOf(CORPUS_NO_SEVERITY);
    expect(a.severity).toEqual({ id: 0, raw: null });
    expect(a.rule.id).toBe('980130');
    expect(a.rule.category).toBeNull();
  });

  it('splits [client] on the last colon only when the left part is an address', () => {
    const base = CORPUS_WARNING.replace(' [client ::1]', '');
    expect(alertOf(base.replace('[client ::1:37752]', '[client 2001:db8::1:37752]')).source).toEqual({ ip: '2001:db8::1', port: 37752 });
    expect(alertOf(base.replace('[client ::1:37752]', '[client 203.0.113.9:443]')).source).toEqual({ ip: '203.0.113.9', port: 443 });
    expect(alertOf(base.replace('[client ::1:37752]', '[client 2001:0db8:0000:0000:0000:0000:0000:0001]')).source).toEqual({ ip: '2001:db8::1', port: null });
    expect(alertOf(base.replace('[client ::1:37752]', '[client ::ffff:10.1.2.3:5000]')).source).toEqual({ ip: '10.1.2.3', port: 5000 });
  });

  it('reads Apache 2.2 lines (no microseconds, [client] without port)', () => {
    const line =
      '[Wed Mar 09 10:00:00 2011] [error] [client 2001:db8::1:2] ModSecurity: Access denied with code 403 (phase 2). Pattern match "x" at ARGS. ' +
      '[file "/x.conf"] [line "1"] [id "981173"] [msg "SQL \\"Injection\\""] [severity "ERROR"] [hostname "example"] [uri "/"] [unique_id "x"]';
    const a = alertOf(line);
    expect(a.timestamp).toBe('2011-03-09T01:00:00.000Z');
    expect(a.source).toEqual({ ip: '2001:db8::1:2', port: null });
    expect(a.rule.name).toBe('SQL "Injection"');
    expect(a.severity).toEqual({ id: 4, raw: 'ERROR' });
  });

  it('reads libmodsecurity nginx error lines', () => {
    const a = alertOf(NGINX);
    expect(a.timestamp).toBe('2019-12-16T03:18:01.000Z');
    expect(a.source).toEqual({ ip: '127.0.0.1', port: null });
    expect(a.rule).toEqual({ id: '949110', name: 'Inbound Anomaly Score Exceeded (Total Score: 15)', category: 'attack-generic' });
    expect(a.severity).toEqual({ id: 5, raw: '2' });
    expect(a.action.value).toBe('blocked');
    expect(alertOf(NGINX.replace('[severity "2"]', '[severity "0"]')).severity.id).toBe(0);
    // no [client] bracket: nginx's own ", client: x," still names the address
    expect(alertOf(NGINX.replace('[client 127.0.0.1] ', '')).source.ip).toBe('127.0.0.1');
  });

  it('skips lines that are not ModSecurity rule matches', () => {
    expect(modsecurityParser.parse('[Thu Sep 30 13:27:06.009964 2021] [core:error] [pid 1] [client 1.2.3.4:5] AH00126: Invalid URI in request', ctx)).toEqual({
      kind: 'skip',
      reason: 'not a ModSecurity message',
    });
    expect(modsecurityParser.parse('[Thu Sep 30 13:27:06.009964 2021] [:error] [pid 1] ModSecurity: Audit log: Failed to lock global mutex', ctx).kind).toBe('skip');
  });

  it('rejects garbage and unreadable lines with the field named', () => {
    expect(rejectOf('hello world')).toMatch(/field time/);
    expect(rejectOf('[Foo Bar 99 99:99:99 2021] ModSecurity: Warning. [id "1"]')).toMatch(/field time/);
    expect(rejectOf('[Thu Sep 31 13:27:06 2021] [client 1.2.3.4] ModSecurity: Warning.')).toMatch(/field time/);
    expect(rejectOf('[Thu Sep 30 13:27:06 2021] [error] ModSecurity: Warning. [id "1"]')).toMatch(/field client/);
  });

  it('keeps what a truncated line still has, and never throws or hangs', () => {
    const cut = alertOf(CORPUS_WARNING.slice(0, 300));
    expect(cut.source.ip).toBe('::1');
    expect(cut.rule.id).toBeNull();
    const started = Date.now();
    const hostile = [
      '[Thu Sep 30 13:27:06 2021] ModSecurity: Warning. ' + '[client '.repeat(20_000),
      '[Thu Sep 30 13:27:06 2021] [client 1.2.3.4] ModSecurity: Warning. ' + '[tag "\\'.repeat(20_000),
      '[Thu Sep 30 13:27:06 2021] [client 1.2.3.4] ModSecurity: Warning. [msg "' + '\\"'.repeat(20_000),
      '{"transaction":' + '['.repeat(5000),
      '{"transaction":{"messages":[null,1,"x"],"client_ip":"1.2.3.4"}}',
    ];
    for (const line of hostile) expect(() => modsecurityParser.parse(line, ctx)).not.toThrow();
    expect(Date.now() - started).toBeLessThan(500);
  });
});

describe('modsecurityParser.detect', () => {
  it('claims ModSecurity JSON and error lines only', () => {
    expect(modsecurityParser.detect(CORPUS_WARNING)).toBe(true);
    expect(modsecurityParser.detect(NGINX)).toBe(true);
    expect(modsecurityParser.detect(v3())).toBe(true);
    expect(modsecurityParser.detect('{"timestamp":"2022-07-12T06:22:33.415742+0000","event_type":"http","transaction":1,"client_ip":"x"}')).toBe(false);
    expect(modsecurityParser.detect('[Thu Sep 30 13:27:06.009964 2021] [core:error] [pid 1] AH00126: Invalid URI')).toBe(false);
    expect(modsecurityParser.detect('07/11/2022-10:29:01.860293  [**] [1:2200074:2] x [**] {TCP} 1.1.1.1:1 -> 2.2.2.2:2')).toBe(false);
  });
});
