import fc from 'fast-check';
import { NormalizedAlert } from '../contracts/alert';
import { decodeText, normalizeLine, type NormalizeOptions } from './normalizer';
import type { AlertParser, ParseContext, ParseResult } from './parser';
import { PARSERS } from './parsers';
import { netfilterParser } from './parsers/netfilter.parser';
import { pfParser } from './parsers/pf.parser';
import { parseSyslogHeader } from './syslog-header';

/**
 * Property tests over every registered parser (PARSERS, so parsers registered later are covered
 * without touching this file) and over normalizeLine with `auto` detection: random text and
 * mutated real lines must never throw, never hang, and always give a well-formed verdict.
 */

const NUM_RUNS = 300;
/** Hang guard per call: a catastrophic regex or a quadratic loop shows up as a slow call. */
const MAX_MS = 50;

// Every registered parser, plus the ones this suite's author wrote (deduplicated once registered).
const ALL: AlertParser[] = [...new Set<AlertParser>([...PARSERS, netfilterParser, pfParser])];

const ctx: ParseContext = { jurisdiction: 'prop', receivedAt: Date.parse('2025-11-10T00:00:00Z'), timezone: '+09:00', originalMaxBytes: 512 };
const opts: NormalizeOptions = { ...ctx, format: 'auto', maxLineBytes: 65536 };

/** Valid lines of several formats, the seeds that mutations start from. */
const SEEDS: string[] = [
  // Suricata EVE
  '{"timestamp":"2022-07-12T06:22:33.415742+0000","flow_id":1398609176796675,"in_iface":"eth0","event_type":"alert","src_ip":"1.2.3.4","src_port":33270,"dest_ip":"1.2.3.5","dest_port":80,"proto":"TCP","alert":{"action":"allowed","gid":1,"signature_id":2034125,"rev":4,"signature":"ET EXPLOIT Apache HTTP Server 2.4.49 - Path Traversal Attempt (CVE-2021-41773) M2","category":"Attempted Administrator Privilege Gain","severity":1}}',
  '{"timestamp":"2024-03-01T12:00:00.123456+0900","event_type":"alert","src_ip":"2001:0db8:0000:0000:0000:0000:0000:0001","src_port":4444,"dest_ip":"10.0.0.1","dest_port":22,"proto":"TCP","alert":{"action":"blocked","signature_id":2001219,"signature":"ET SCAN Potential SSH Scan","category":"Attempted Information Leak","severity":2}}',
  // Snort 3 alert_json, alert_fast; Suricata fast.log
  '{"seconds":1717090168,"timestamp":"05/30-19:09:28.472094","pkt_num":1,"proto":"TCP","pkt_len":60,"dir":"C2S","src_ap":"203.0.113.5:51234","dst_ap":"10.0.0.1:22","rule":"1:2001219:20","action":"allow","msg":"ET SCAN Potential SSH Scan","class":"Attempted Information Leak","priority":2,"sid":2001219,"gid":1,"src_addr":"203.0.113.5","dst_addr":"10.0.0.1"}',
  '05/30-19:09:28.472094  [**] [1:2012811:2] ET DNS Query to a .tk domain [**] [Classification: Potentially Bad Traffic] [Priority: 2] {UDP} 192.168.1.5:53211 -> 8.8.8.8:53',
  '07/11/2022-06:09:52.602489  [**] [1:2034125:4] ET EXPLOIT Apache HTTP Server 2.4.49 - Path Traversal Attempt (CVE-2021-41773) M2 [**] [Classification: Attempted Administrator Privilege Gain] [Priority: 1] {TCP} 185.7.214.104:36288 -> 172.31.18.55:80',
  '05/30-19:09:28.472094  [**] [1:384:8] PROTOCOL-ICMP PING [**] [Priority: 3] {ICMP} 2001:db8::1 -> 2001:db8::2',
  // CEF
  'Sep  8 08:32:20 UDM-Gent CEF: 0|Ubiquiti|UniFi Network|9.4.19|201|Threat Detected and Blocked|9|proto=TCP src=192.168.100.252 spt=65020 dst=192.168.1.100 dpt=80 UNIFIcategory=Security UNIFIsubCategory=Intrusion Prevention',
  'CEF:0|Security|threat\\|manager|1.0|100|worm successfully stopped|Very-High|src=10.0.0.1 dst=2.1.2.2 spt=1232 msg=a \\= b\\nline2 act=blocked rt=1717090168000 cs1Label=policy cs1=strict',
  '0|Ubiquiti|UniFi Network|9.4.19|201|Threat Detected and Blocked|7|proto=TCP src=[2a01:db8::1] spt=52331 dst=192.168.0.233 dpt=443',
  // LEEF 1.0 (TAB) and 2.0 (^ delimiter)
  'LEEF:1.0|Microsoft|MSExchange|4.0 SP1|15345|src=192.0.2.0\tdst=172.50.123.1\tsev=5\tcat=anomaly\tsrcPort=81\tdstPort=21\tdevTime=Oct 12 2024 10:00:00\tdevTimeFormat=MMM dd yyyy HH:mm:ss',
  'LEEF:2.0|Lancope|StealthWatch|1.0|41|^|src=10.0.1.8^dst=10.0.0.5^sev=5^cat=anomaly^srcPort=81^dstPort=21^usrName=joe.black',
  '<13>Oct 11 22:14:15 qradar LEEF:1.0|IBM|QRadar|7.5|Alert|src=198.51.100.7#011dst=10.0.0.1#011sev=8',
  // FortiGate
  '<185>date=2024-05-01 time=10:00:00 devname="FGT60F" devid="FGT60F0000000001" eventtime=1714525200123456789 tz="+0900" logid="0419016384" type="utm" subtype="ips" eventtype="signature" level="alert" vd="root" severity="high" srcip=203.0.113.5 srcport=51234 dstip=10.0.0.1 dstport=80 proto=6 service="HTTP" action="dropped" attack="Apache.HTTP.Server.Path.Traversal" attackid=50825',
  'date=2024-10-14 time=13:46:40 eventtime=1728938800841267391 tz="-0700" logid="1234567890" type="event" subtype="vpn" level="alert" vd="root" logdesc="SSL VPN login fail" action="ssl-login-fail" remip=192.168.0.1 user="N/A" reason="sslvpn_login_unknown_user" msg="SSL user failed to logged in"',
  // PAN-OS THREAT
  '1,2024/05/01 10:00:00,012345678901,THREAT,vulnerability,2049,2024/05/01 10:00:00,203.0.113.5,10.0.0.1,0.0.0.0,0.0.0.0,allow-web,,,web-browsing,vsys1,untrust,trust,ethernet1/1,ethernet1/2,Log Forwarding,2024/05/01 10:00:00,12345,1,51234,80,0,0,0x2000,tcp,reset-both,"/etc/passwd, /etc/shadow",Apache Path Traversal(91234),any,critical,client-to-server,7001,0x0,US,KR,0,,0,,,0,,,,,,,,0,0,0,0,0,,fw01,',
  // ModSecurity v2 and v3
  '[Thu Sep 30 13:27:06.010524 2021] [:error] [pid 2560:tid 140496349419264] [client ::1:37752] [client ::1] ModSecurity: Access denied with code 403 (phase 2). Operator GE matched 5 at TX:anomaly_score. [file "/usr/share/modsecurity-crs/rules/REQUEST-949-BLOCKING-EVALUATION.conf"] [line "93"] [id "949110"] [msg "Inbound Anomaly Score Exceeded (Total Score: 40)"] [severity "CRITICAL"] [hostname "localhost"] [uri "/"] [unique_id "YVW6qn8AAQEAAAoAAAAAAA"]',
  '{"transaction":{"client_ip":"203.0.113.5","time_stamp":"Wed Nov 27 10:00:00 2024","server_id":"abc","client_port":51234,"host_ip":"10.0.0.1","host_port":80,"unique_id":"170","request":{"method":"GET","uri":"/?a=../../etc/passwd"},"messages":[{"message":"OS File Access Attempt","details":{"ruleId":"930120","severity":"2","data":"etc/passwd"}}]}}',
  // ECS
  '{"@timestamp":"2024-05-01T01:00:00.000Z","source":{"ip":"203.0.113.5","port":51234},"destination":{"ip":"10.0.0.1","port":22},"rule":{"id":"1","name":"ssh brute force"},"event":{"kind":"alert","action":"blocked","severity":3},"observer":{"vendor":"Elastic","product":"Packetbeat"}}',
  // netfilter
  'Sep 30 10:09:23 scw-d95986 kernel: [19955416.516358] IN=ens2 OUT= MAC=de:1c:88:64:10:19:5e:e1:a4:3b:cf:f0:08:00 SRC=62.34.17.168 DST=10.73.140.49 LEN=44 TOS=0x00 PREC=0x00 TTL=43 ID=25313 PROTO=TCP SPT=52220 DPT=80 WINDOW=1024 RES=0x00 SYN URGP=0',
  'Oct 30 10:09:23 vm-1 kernel: [UFW BLOCK] IN=eth0 OUT= MAC=33:33:00:00:00:01 SRC=2001:0db8:0000:0000:0000:0000:0000:0001 DST=ff02:0000:0000:0000:0000:0000:0000:0001 LEN=72 TC=0 HOPLIMIT=255 FLOWLBL=0 PROTO=ICMPv6 TYPE=134 CODE=0',
  // pf filterlog
  '<134>1 2025-11-06T11:32:42.868451+00:00 firewall.lan filterlog 92653 - - 7,,,1000000102,vtnet0.5,match,block,in,4,0x0,,64,19008,0,DF,6,tcp,60,192.168.5.6,192.168.1.100,42970,80,0,S,523876198,,64240,,mss;sackOK;TS;nop;wscale',
  '<134>1 2025-11-06T11:42:14.270789+00:00 firewall.lan filterlog 92653 - [meta sequenceId="1" x="a\\]b"] 621,,,1644355515,vtnet0.10,match,block,in,6,0x00,0x07c63,64,TCP,6,44,fdfd:ace:ace:10:d8:cdbf:f6f8:6d69,fdfd:ace:ace:5::6,65382,443,0,S,1927530165,,0,,mss',
];

/** Characters and tokens that are structure in one format or another. */
const TOKENS = ['"', "'", '|', '=', '\\', ',', ' ', '  ', '\t', '#011', '{', '}', '[', ']', ':', '<', '>', '%', '^', '\\|', '\\=', '\\\\', '""', '" "', 'CEF:', 'LEEF:', '[**]', ' IN= OUT= ', 'SRC=', ',match,block,in,4,', 'null', '-', '.', '0x5E', '관', '😀', '\uFEFF', '\uFFFD', '\r', 'constructor', '__proto__'];

type Mutation =
  | { op: 'truncate'; at: number }
  | { op: 'flipByte'; at: number; bit: number }
  | { op: 'insert'; at: number; token: string }
  | { op: 'duplicate'; at: number; len: number; times: number }
  | { op: 'delete'; at: number; len: number };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('flipByte' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), token: fc.oneof(fc.constantFrom(...TOKENS), fc.string({ unit: 'binary', maxLength: 4 })) }),
  fc.record({ op: fc.constant('duplicate' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 64 }), times: fc.integer({ min: 1, max: 20 }) }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 16 }) }),
);

function mutate(line: string, m: Mutation): string {
  const at = line.length ? m.at % (line.length + 1) : 0;
  switch (m.op) {
    case 'truncate':
      return line.slice(0, at);
    case 'flipByte': {
      // On the UTF-8 bytes, decoded the way ingest decodes them (UTF-8, else CP949).
      const bytes = Buffer.from(line, 'utf8');
      if (!bytes.length) return line;
      bytes[m.at % bytes.length] ^= 1 << m.bit;
      return decodeText(bytes);
    }
    case 'insert':
      return line.slice(0, at) + m.token + line.slice(at);
    case 'duplicate': {
      const seg = line.slice(at, at + m.len);
      return line.slice(0, at) + seg.repeat(m.times + 1) + line.slice(at + m.len);
    }
    case 'delete':
      return line.slice(0, at) + line.slice(at + m.len);
  }
}

const mutatedLineArb = fc
  .tuple(fc.constantFrom(...SEEDS), fc.array(mutationArb, { minLength: 1, maxLength: 6 }))
  .map(([seed, ms]) => ms.reduce(mutate, seed));

const randomTextArb = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.string({ unit: 'binary-ascii', maxLength: 300 }),
  fc.string({ unit: 'grapheme', maxLength: 100 }),
  fc.string({ unit: fc.constantFrom(...TOKENS, 'a', '1', '.'), maxLength: 200 }),
);

/** Long runs of one structural token after a format's opening: the classic regex blow-up shape. */
const adversarialArb = fc
  .tuple(
    fc.constantFrom('', '{"event_type":"alert","src_ip":"', 'CEF:0|', 'CEF:0|a|b|c|d|e|5|', 'LEEF:2.0|a|b|c|d|^|', 'date=2024-01-01 time=', '[**] ', 'IN=eth0 OUT= ', '7,,,1,em0,match,block,in,4,', '<13>1 ', 'Sep 30 10:09:23 ', '[client '),
    fc.constantFrom(...TOKENS, 'a=', 'a=b ', 'x\\=', '1.', ':1', '[x "', ' a'),
    fc.integer({ min: 100, max: 4000 }),
    fc.constantFrom('', '!', '"', ']', '\\'),
  )
  .map(([prefix, token, n, suffix]) => prefix + token.repeat(n) + suffix);

const anyLineArb = fc.oneof({ arbitrary: mutatedLineArb, weight: 3 }, { arbitrary: randomTextArb, weight: 2 }, { arbitrary: adversarialArb, weight: 1 });

/**
 * Run fn and time it. A slow call is run again and the faster time kept: a real hang (catastrophic
 * backtracking, a quadratic loop) is slow every time, while a GC pause or a busy machine is not.
 */
function timed<T>(fn: () => T): { value: T; ms: number } {
  let best = Infinity;
  let value!: T;
  for (let attempt = 0; attempt < 3 && best >= MAX_MS; attempt++) {
    const start = performance.now();
    value = fn();
    best = Math.min(best, performance.now() - start);
  }
  return { value, ms: best };
}

/** Every rule a parser verdict must obey, whatever the input. */
function checkVerdict(parser: AlertParser, r: ParseResult, input: string): void {
  expect(['alert', 'skip', 'reject']).toContain(r.kind);
  if (r.kind === 'reject') {
    expect(typeof r.error).toBe('string');
    expect(r.error.length).toBeGreaterThan(0);
  } else if (r.kind === 'skip') {
    expect(typeof r.reason).toBe('string');
    expect(r.reason.length).toBeGreaterThan(0);
  } else {
    const stamped = { ...r.alert, id: 'fp', received: new Date(ctx.receivedAt).toISOString(), jurisdiction: ctx.jurisdiction, original: input.slice(0, 64) };
    const check = NormalizedAlert.safeParse(stamped);
    if (!check.success) throw new Error(`${parser.format}: alert fails the schema for ${JSON.stringify(input)}: ${check.error.message}`);
    expect(r.alert.format).toBe(parser.format);
  }
}

describe.each(ALL.map((p) => [p.format, p] as const))('parser %s: properties', (_format, parser) => {
  const run = (input: string) => {
    const detected = timed(() => parser.detect(input));
    expect(typeof detected.value).toBe('boolean');
    expect(detected.ms).toBeLessThan(MAX_MS);
    // The parser sees both the raw line and, as in the normalizer, the message after a syslog header.
    for (const line of [input, parseSyslogHeader(input, ctx).message]) {
      const { value, ms } = timed(() => parser.parse(line, ctx));
      if (ms >= MAX_MS) throw new Error(`${parser.format}: parse took ${ms.toFixed(1)} ms on ${JSON.stringify(line.slice(0, 200))}…`);
      checkVerdict(parser, value, line);
    }
  };

  test('random text: never throws, finishes quickly, well-formed verdict', () => {
    fc.assert(fc.property(randomTextArb, run), { numRuns: NUM_RUNS });
  });

  test('mutated real lines: never throws, finishes quickly, well-formed verdict', () => {
    fc.assert(fc.property(mutatedLineArb, run), { numRuns: NUM_RUNS });
  });

  test('long runs of structural tokens: no catastrophic backtracking', () => {
    fc.assert(fc.property(adversarialArb, run), { numRuns: 100 });
  });

  test('the unmutated seeds too', () => {
    for (const seed of SEEDS) run(seed);
  });
});

describe('normalizeLine (auto): properties', () => {
  const run = (input: string) => {
    const { value: out, ms } = timed(() => normalizeLine(input, 1, opts));
    if (ms >= MAX_MS) throw new Error(`normalizeLine took ${ms.toFixed(1)} ms on ${JSON.stringify(input.slice(0, 200))}…`);
    expect(['alert', 'skip', 'reject']).toContain(out.kind);
    expect(out.line).toBe(1);
    if (out.kind === 'alert') {
      const check = NormalizedAlert.safeParse(out.alert);
      if (!check.success) throw new Error(`alert fails the schema for ${JSON.stringify(input)}: ${check.error.message}`);
      expect(Buffer.byteLength(out.alert.original)).toBeLessThanOrEqual(opts.originalMaxBytes);
      expect(out.alert.jurisdiction).toBe(opts.jurisdiction);
    } else if (out.kind === 'skip') {
      expect(out.reason.length).toBeGreaterThan(0);
    } else {
      expect(out.error.length).toBeGreaterThan(0);
      expect(Buffer.byteLength(out.raw)).toBeLessThanOrEqual(opts.originalMaxBytes);
    }
  };

  test('random text', () => {
    fc.assert(fc.property(randomTextArb, run), { numRuns: NUM_RUNS });
  });

  test('mutated real lines', () => {
    fc.assert(fc.property(mutatedLineArb, run), { numRuns: NUM_RUNS });
  });

  test('long runs of structural tokens', () => {
    fc.assert(fc.property(adversarialArb, run), { numRuns: 100 });
  });

  test('deterministic: the same line gives the same outcome', () => {
    fc.assert(
      fc.property(anyLineArb, (input) => {
        expect(normalizeLine(input, 1, opts)).toEqual(normalizeLine(input, 1, opts));
      }),
      { numRuns: NUM_RUNS },
    );
  });
});
