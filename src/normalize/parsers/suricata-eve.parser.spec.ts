import { NormalizedAlert } from '../../contracts/alert';
import type { ParseContext, ParseResult } from '../parser';
import { suricataEveParser as p } from './suricata-eve.parser';

const ctx: ParseContext = { jurisdiction: 'test', receivedAt: Date.parse('2025-11-10T00:00:00Z'), timezone: '+09:00', originalMaxBytes: 4096 };

// Corpus lines (crowdsec-hub suricata-eve-detect.log / suricata-logs-evelog.log), shortened only in metadata.
const DETECT =
  '{"timestamp":"2022-07-12T06:22:33.415742+0000","flow_id":1398609176796675,"in_iface":"eth0","event_type":"alert","src_ip":"1.2.3.4","src_port":33270,"dest_ip":"1.2.3.5","dest_port":80,"proto":"TCP","tx_id":0,"alert":{"action":"allowed","gid":1,"signature_id":2034125,"rev":4,"signature":"ET EXPLOIT Apache HTTP Server 2.4.49 - Path Traversal Attempt (CVE-2021-41773) M2","category":"Attempted Administrator Privilege Gain","severity":1,"metadata":{"affected_product":["Apache_HTTP_server"]}},"http":{"hostname":"1.2.3.5","url":"/cgi-bin/.%2e/.%2e/.%2e/.%2e/etc/passwd","http_method":"GET","protocol":"HTTP/1.1","length":0},"app_proto":"http","flow":{"pkts_toserver":3,"pkts_toclient":1,"bytes_toserver":328,"bytes_toclient":66,"start":"2022-07-12T06:22:33.200652+0000"}}';
const SIP =
  '{"timestamp":"2022-07-12T11:26:34.407881+0000","flow_id":274125657094473,"in_iface":"eth0","event_type":"alert","src_ip":"2.2.3.4","src_port":5164,"dest_ip":"2.2.3.5","dest_port":5060,"proto":"TCP","alert":{"action":"allowed","gid":1,"signature_id":2011716,"rev":3,"signature":"ET SCAN Sipvicious User-Agent Detected (friendly-scanner)","category":"Attempted Information Leak","severity":2}}';
const FLOW =
  '{"timestamp":"2022-07-11T05:52:18.378379+0000","flow_id":883709815679084,"in_iface":"eth0","event_type":"flow","src_ip":"1.2.3.6","src_port":56814,"dest_ip":"127.0.0.1","dest_port":2352,"proto":"TCP","flow":{"pkts_toserver":2,"pkts_toclient":1,"bytes_toserver":108,"bytes_toclient":54,"start":"2022-07-11T05:48:21.714860+0000","end":"2022-07-11T05:48:21.733121+0000","age":0,"state":"closed","reason":"timeout","alerted":false},"tcp":{"tcp_flags":"16","tcp_flags_ts":"16","tcp_flags_tc":"00","ack":true,"state":"closed"}}';
const NEG_ZERO =
  '{"timestamp":"2022-07-12T06:09:52.602489-0000","flow_id":1684596746908921,"in_iface":"eth0","event_type":"alert","src_ip":"1.2.3.7","src_port":36288,"dest_ip":"127.0.0.1","dest_port":80,"proto":"TCP","tx_id":0,"alert":{"action":"allowed","gid":1,"signature_id":2034125,"rev":4,"signature":"ET EXPLOIT Apache HTTP Server 2.4.49 - Path Traversal Attempt (CVE-2021-41773) M2","category":"Attempted Administrator Privilege Gain","severity":1}}';

const eve = (over: Record<string, unknown> = {}, alert: Record<string, unknown> = {}) =>
  JSON.stringify({
    timestamp: '2024-03-01T12:00:00.123456+0900',
    event_type: 'alert',
    src_ip: '203.0.113.5',
    src_port: 4444,
    dest_ip: '10.0.0.1',
    dest_port: 22,
    proto: 'TCP',
    alert: { action: 'blocked', signature_id: 2001219, signature: 'ET SCAN Potential SSH Scan', category: 'Attempted Information Leak', severity: 2, ...alert },
    ...over,
  });

function alertOf(r: ParseResult) {
  if (r.kind !== 'alert') throw new Error(`expected alert, got ${JSON.stringify(r)}`);
  // stamped with an envelope, the result must satisfy the schema
  const stamped = { ...r.alert, id: 'x', received: '2025-11-10T00:00:00.000Z', jurisdiction: 'test', original: '' };
  expect(NormalizedAlert.safeParse(stamped).success).toBe(true);
  return r.alert;
}

describe('suricata-eve parser', () => {
  test('detect', () => {
    expect(p.detect(DETECT)).toBe(true);
    expect(p.detect(FLOW)).toBe(true);
    expect(p.detect('{"foo":1}')).toBe(false);
    expect(p.detect('CEF:0|a|b|c|d|e|1|')).toBe(false);
  });

  test('corpus alert line', () => {
    expect(alertOf(p.parse(DETECT, ctx))).toEqual({
      timestamp: '2022-07-12T06:22:33.415Z',
      timezone_source: 'explicit',
      observer: { vendor: 'OISF', product: 'Suricata', name: 'eth0' },
      source: { ip: '1.2.3.4', port: 33270 },
      destination: { ip: '1.2.3.5', port: 80 },
      transport: 'tcp',
      rule: { id: '2034125', name: 'ET EXPLOIT Apache HTTP Server 2.4.49 - Path Traversal Attempt (CVE-2021-41773) M2', category: 'Attempted Administrator Privilege Gain' },
      action: { value: 'allowed', raw: 'allowed' },
      severity: { id: 4, raw: '1' },
      format: 'suricata-eve',
    });
  });

  test('"+0000" and "-0000" offsets; microseconds truncated', () => {
    expect(alertOf(p.parse(SIP, ctx)).timestamp).toBe('2022-07-12T11:26:34.407Z');
    expect(alertOf(p.parse(NEG_ZERO, ctx)).timestamp).toBe('2022-07-12T06:09:52.602Z');
    expect(alertOf(p.parse(eve({ timestamp: '2024-03-01T12:00:00.999999+0900' }), ctx)).timestamp).toBe('2024-03-01T03:00:00.999Z');
  });

  test('timestamp as epoch, and absent (receive time)', () => {
    expect(alertOf(p.parse(eve({ timestamp: 1709262000 }), ctx)).timestamp).toBe('2024-03-01T03:00:00.000Z');
    const a = alertOf(p.parse(eve({ timestamp: undefined }), ctx));
    expect(a.timestamp).toBe('2025-11-10T00:00:00.000Z');
    expect(a.timezone_source).toBe('received');
  });

  test('unreadable timestamp is rejected naming the field', () => {
    expect(p.parse(eve({ timestamp: 'yesterday' }), ctx)).toEqual({ kind: 'reject', error: 'field timestamp: unreadable time "yesterday"' });
  });

  test('fully expanded IPv6 is canonicalized (RFC 5952)', () => {
    const a = alertOf(p.parse(eve({ src_ip: '2001:0DB8:0000:0000:0000:0000:0000:0001', dest_ip: 'fe80:0000:0000:0000:0202:b3ff:fe1e:8329' }), ctx));
    expect(a.source.ip).toBe('2001:db8::1');
    expect(a.destination.ip).toBe('fe80::202:b3ff:fe1e:8329');
  });

  test.each([
    [FLOW, 'event_type flow is not an alert'],
    ['{"timestamp":"2022-07-11T05:53:00.000000+0000","event_type":"dns","src_ip":"1.2.3.4","dns":{"type":"query","rrname":"example.com"}}', 'event_type dns is not an alert'],
    ['{"timestamp":"2022-07-11T05:53:51.912203+0000","event_type":"stats","stats":{"uptime":510552}}', 'event_type stats is not an alert'],
  ])('non-alert event types are skipped', (line, reason) => {
    expect(p.parse(line, ctx)).toEqual({ kind: 'skip', reason });
  });

  test('missing or invalid src_ip is rejected naming the field', () => {
    const missing = p.parse(eve({ src_ip: undefined }), ctx);
    expect(missing.kind).toBe('reject');
    if (missing.kind === 'reject') expect(missing.error).toMatch(/^field src_ip/);
    expect(p.parse(eve({ src_ip: '999.1.1.1' }), ctx)).toEqual({ kind: 'reject', error: 'field src_ip: not an IP address ("999.1.1.1")' });
  });

  test.each([
    [1, 4],
    [2, 3],
    [3, 2],
    [4, 1],
  ])('severity %d → severity_id %d (1 is the most severe)', (sev, id) => {
    expect(alertOf(p.parse(eve({}, { severity: sev }), ctx)).severity).toEqual({ id, raw: String(sev) });
  });

  test('missing severity → 0 Unknown, raw null', () => {
    expect(alertOf(p.parse(eve({}, { severity: undefined }), ctx)).severity).toEqual({ id: 0, raw: null });
  });

  test('action blocked / allowed / other', () => {
    expect(alertOf(p.parse(eve(), ctx)).action).toEqual({ value: 'blocked', raw: 'blocked' });
    expect(alertOf(p.parse(eve({}, { action: 'allowed' }), ctx)).action).toEqual({ value: 'allowed', raw: 'allowed' });
    expect(alertOf(p.parse(eve({}, { action: 'drop' }), ctx)).action).toEqual({ value: 'unknown', raw: 'drop' });
  });

  test('ports out of range become null; missing dest_ip is null', () => {
    const a = alertOf(p.parse(eve({ src_port: 70000, dest_port: 'x', dest_ip: undefined }), ctx));
    expect(a.source.port).toBeNull();
    expect(a.destination).toEqual({ ip: null, port: null });
  });

  test.each([
    ['{"event_type":"alert",', /^invalid JSON/],
    ['[1,2]', /^not a JSON object/],
    ['{"src_ip":"1.2.3.4"}', /^missing field event_type/],
    ['{"event_type":"alert","src_ip":"1.2.3.4"}', /^missing object alert/],
  ])('malformed %j is rejected', (line, error) => {
    const r = p.parse(line, ctx);
    expect(r.kind).toBe('reject');
    if (r.kind === 'reject') expect(r.error).toMatch(error);
  });
});
