import { expectAlert, expectReject } from './parser-spec.helpers';
import type { ParseContext } from '../parser';
import { ecsField, ecsParser } from './ecs.parser';

const ctx: ParseContext = { jurisdiction: 'j', receivedAt: Date.UTC(2024, 5, 1), timezone: '+09:00', originalMaxBytes: 4096 };

function alertOf(doc: unknown, c: ParseContext = ctx) {
  const r = ecsParser.parse(typeof doc === 'string' ? doc : JSON.stringify(doc), c);
  return expectAlert(r);
}

function rejectOf(doc: unknown): string {
  const r = ecsParser.parse(typeof doc === 'string' ? doc : JSON.stringify(doc), ctx);
  return expectReject(r);
}

const NESTED = {
  '@timestamp': '2024-05-30T10:09:28.472123Z',
  ecs: { version: '8.11.0' },
  event: { kind: 'alert', action: 'blocked', severity: 8, category: ['intrusion_detection'] },
  source: { ip: '2001:0db8:0000:0000:0000:0000:0000:0001', port: 51234 },
  destination: { ip: '10.0.0.5', port: 443 },
  network: { transport: 'TCP' },
  rule: { id: 2034125, name: 'ET EXPLOIT Path Traversal', category: 'Attempted Administrator Privilege Gain' },
  observer: { vendor: 'Palo Alto Networks', product: 'PAN-OS', name: 'fw-01' },
};

const DOTTED = {
  '@timestamp': '2024-05-30T19:09:28+09:00',
  'source.ip': '203.0.113.7',
  'source.port': '4444',
  'destination.ip': '198.51.100.2',
  'destination.port': 22,
  'network.transport': '6',
  'rule.id': 'R-1',
  'rule.name': 'SSH brute force',
  'event.action': 'allowed',
  'event.severity': 3,
  'observer.vendor': 'Example',
  'observer.product': 'Sensor',
};

describe('ecsParser', () => {
  it('parses nested ECS', () => {
    expect(alertOf(NESTED)).toEqual({
      timestamp: '2024-05-30T10:09:28.472Z',
      timezone_source: 'explicit',
      observer: { vendor: 'Palo Alto Networks', product: 'PAN-OS', name: 'fw-01' },
      source: { ip: '2001:db8::1', port: 51234 },
      destination: { ip: '10.0.0.5', port: 443 },
      transport: 'tcp',
      rule: { id: '2034125', name: 'ET EXPLOIT Path Traversal', category: 'Attempted Administrator Privilege Gain' },
      action: { value: 'blocked', raw: 'blocked' },
      severity: { id: 4, raw: '8' },
      format: 'ecs',
    });
  });

  it('parses dotted keys, with an offset timestamp and an IANA protocol number', () => {
    const a = alertOf(DOTTED);
    expect(a.timestamp).toBe('2024-05-30T10:09:28.000Z');
    expect(a.timezone_source).toBe('explicit');
    expect(a.source).toEqual({ ip: '203.0.113.7', port: 4444 });
    expect(a.destination).toEqual({ ip: '198.51.100.2', port: 22 });
    expect(a.transport).toBe('tcp');
    expect(a.rule).toEqual({ id: 'R-1', name: 'SSH brute force', category: null });
    expect(a.action).toEqual({ value: 'allowed', raw: 'allowed' });
    expect(a.severity).toEqual({ id: 2, raw: '3' });
    expect(a.observer).toEqual({ vendor: 'Example', product: 'Sensor', name: null });
  });

  it('reads mixed nesting ("source": {"ip"}, "event.severity" beside nested objects)', () => {
    expect(ecsField({ source: { 'geo.country_iso_code': 'KR' } }, 'source.geo.country_iso_code')).toBe('KR');
    expect(ecsField({ 'source.geo': { country_iso_code: 'KR' } }, 'source.geo.country_iso_code')).toBe('KR');
    expect(ecsField({ source: { ip: null } }, 'source.ip')).toBeNull();
    expect(ecsField({ source: '1.2.3.4' }, 'source.ip')).toBeUndefined();
    expect(ecsField({}, 'constructor')).toBeUndefined();
  });

  it('prefers an explicit OCSF severity_id, then event.severity_id, then event.severity on the 0–10 scale', () => {
    expect(alertOf({ ...DOTTED, severity_id: 5 }).severity).toEqual({ id: 5, raw: '3' });
    expect(alertOf({ ...DOTTED, 'event.severity': undefined, event: { severity_id: '6' } }).severity).toEqual({ id: 6, raw: '6' });
    expect(alertOf({ ...DOTTED, 'event.severity': 0 }).severity.id).toBe(1);
    expect(alertOf({ ...DOTTED, 'event.severity': 10 }).severity.id).toBe(5);
    expect(alertOf({ ...DOTTED, 'event.severity': 'high' }).severity.id).toBe(4);
    expect(alertOf({ ...DOTTED, 'event.severity': 'critical' }).severity.id).toBe(5);
    expect(alertOf({ ...DOTTED, 'event.severity': 73 }).severity).toEqual({ id: 0, raw: '73' }); // off the scale: unknown
    expect(alertOf({ ...DOTTED, severity_id: 9 }).severity.id).toBe(2); // invalid explicit id is ignored
    expect(alertOf({ ...DOTTED, 'event.severity': undefined }).severity).toEqual({ id: 0, raw: null });
  });

  it('maps event.action words, then event.type allowed/denied', () => {
    const act = (extra: Record<string, unknown>) => alertOf({ ...DOTTED, 'event.action': undefined, ...extra }).action.value;
    expect(act({ 'event.action': 'deny' })).toBe('blocked');
    expect(act({ 'event.action': 'Dropped' })).toBe('blocked');
    expect(act({ 'event.action': 'accept' })).toBe('allowed');
    expect(act({ 'event.action': 'network_flow' })).toBe('unknown');
    expect(act({ 'event.type': ['connection', 'denied'] })).toBe('blocked');
    expect(act({ event: { type: 'allowed' } })).toBe('allowed');
    expect(act({})).toBe('unknown');
  });

  it('fills defaults for missing optional fields', () => {
    const a = alertOf({ 'source.ip': '1.2.3.4' });
    expect(a.timestamp).toBe('2024-06-01T00:00:00.000Z');
    expect(a.timezone_source).toBe('received');
    expect(a.observer).toEqual({ vendor: 'unknown', product: 'unknown', name: null });
    expect(a.destination).toEqual({ ip: null, port: null });
    expect(a.transport).toBeNull();
    expect(a.rule).toEqual({ id: null, name: null, category: null });
    expect(alertOf({ 'source.ip': '1.2.3.4', event: { module: 'suricata' }, host: { name: 'ids-1' } }).observer).toEqual({
      vendor: 'unknown',
      product: 'suricata',
      name: 'ids-1',
    });
  });

  it('reads a timestamp without an offset in the configured zone, and epoch milliseconds', () => {
    const local = alertOf({ ...DOTTED, '@timestamp': '2024-05-30 19:09:28' });
    expect(local.timestamp).toBe('2024-05-30T10:09:28.000Z');
    expect(local.timezone_source).toBe('configured');
    expect(alertOf({ ...DOTTED, '@timestamp': 1717063768000 }).timestamp).toBe('2024-05-30T10:09:28.000Z');
  });

  it('skips non-alert event kinds', () => {
    expect(ecsParser.parse(JSON.stringify({ ...DOTTED, 'event.kind': 'metric' }), ctx)).toEqual({ kind: 'skip', reason: 'event.kind metric is not an alert' });
  });

  it('rejects a missing or invalid source.ip, bad timestamps and garbage, naming the field', () => {
    expect(rejectOf({ ...DOTTED, 'source.ip': undefined })).toBe('field source.ip: missing');
    expect(rejectOf({ '@timestamp': '2024-01-01T00:00:00Z', source: { port: 1 } })).toBe('field source.ip: missing');
    expect(rejectOf({ ...DOTTED, 'source.ip': '1.2.3' })).toMatch(/^field source.ip: not an IP address/);
    expect(rejectOf({ ...DOTTED, 'source.ip': ['1.2.3.4'] })).toMatch(/^field source.ip: not an IP address/);
    expect(rejectOf({ ...DOTTED, '@timestamp': 'yesterday' })).toMatch(/^field @timestamp: unreadable time/);
    expect(rejectOf({ ...DOTTED, '@timestamp': '2024-02-30T00:00:00Z' })).toMatch(/^field @timestamp/);
    expect(rejectOf(JSON.stringify(NESTED).slice(0, 90))).toMatch(/invalid JSON/);
    expect(rejectOf('"just a string"')).toMatch(/not a JSON object/);
  });

  it('never throws on hostile input', () => {
    let deep: object = { ip: '1.2.3.4' };
    for (let i = 0; i < 500; i++) deep = { source: deep };
    for (const line of [JSON.stringify(deep), '{"source":{"ip":{"toString":1}}}', '{"__proto__":{"ip":"1.2.3.4"}}', '{']) {
      expect(() => ecsParser.parse(line, ctx)).not.toThrow();
    }
  });

  it('detects ECS documents but not Suricata EVE or ModSecurity JSON', () => {
    expect(ecsParser.detect(JSON.stringify(NESTED))).toBe(true);
    expect(ecsParser.detect(JSON.stringify(DOTTED))).toBe(true);
    expect(ecsParser.detect('{"@timestamp":"2024-01-01T00:00:00Z","event_type":"alert","src_ip":"1.2.3.4","source":"eve"}')).toBe(false);
    expect(ecsParser.detect('{"transaction":{"client_ip":"1.2.3.4","time_stamp":"Thu Oct 24 15:39:13 2019"}}')).toBe(false);
    expect(ecsParser.detect('{ "seconds" : 1580404087, "src_ap" : "10.0.0.1:1" }')).toBe(false);
  });
});
