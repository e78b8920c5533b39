import { AlertContext, compileMatch, compileRule, valueOf } from './matcher';
import { DetectionRule } from './rule.schema';
import { alert } from './test-alert';

const test = (m: Record<string, unknown>, a = alert(), geo = { country: 'CN', asn: 4134, org: 'CHINANET' }) => compileMatch(DetectionRule.shape.match.parse(m))(new AlertContext(a, geo));

describe('rule matching', () => {
  it('text: equals (case-insensitive by default), contains, regex with (?i), case_sensitive', () => {
    expect(test({ 'rule.category': 'attempted information leak' })).toBe(true);
    expect(test({ 'rule.category': ['x', 'Attempted Information Leak'] })).toBe(true);
    expect(test({ 'rule.name': { contains: 'ssh scan' } })).toBe(true);
    expect(test({ 'rule.name': { contains: 'ssh scan', case_sensitive: true } })).toBe(false);
    expect(test({ 'rule.name': { regex: '(?i)^et scan .*ssh' } })).toBe(true);
    expect(test({ 'rule.name': { regex: '^ET EXPLOIT' } })).toBe(false);
    expect(test({ 'observer.name': 'x' })).toBe(false); // null never matches
  });

  it('numbers: exact, list and bounds (severity, AS number)', () => {
    expect(test({ severity: 3 })).toBe(true);
    expect(test({ severity: [4, 5] })).toBe(false);
    expect(test({ severity: { gte: 4 } })).toBe(false);
    expect(test({ severity: { gte: 3, lt: 4 } })).toBe(true);
    expect(test({ 'threat.asn': 4134 })).toBe(true);
    expect(test({ 'threat.country': ['cn', 'ru'] })).toBe(true);
  });

  it('ports and ranges; a missing port never matches', () => {
    expect(test({ 'destination.port': [21, '20-23'] })).toBe(true);
    expect(test({ 'destination.port': '1000-2000' })).toBe(false);
    expect(test({ 'destination.port': '1-65535' }, alert({ dport: null }))).toBe(false);
  });

  it('CIDR lists for v4 and v6, and plain addresses', () => {
    expect(test({ 'source.ip': { cidr: ['203.0.113.0/24'] } })).toBe(true);
    expect(test({ 'source.ip': { cidr: ['198.51.100.0/24', '2001:db8::/32'] } })).toBe(false);
    expect(test({ 'source.ip': { cidr: ['2001:db8::/32'] } }, alert({ src: '2001:db8::7' }))).toBe(true);
    expect(test({ 'destination.ip': { cidr: ['10.11.0.5'] } })).toBe(true);
  });

  it('action, any, not and CEL combine (all conditions must hold)', () => {
    expect(test({ action: 'blocked' })).toBe(false);
    expect(test({ action: ['allowed', 'blocked'], severity: 3 })).toBe(true);
    expect(test({ any: [{ severity: 5 }, { 'rule.id': '2001219' }] })).toBe(true);
    expect(test({ not: { 'rule.id': '2001219' } })).toBe(false);
    expect(test({ cel: 'alert.severity.id == 3 && threat.country == "CN" && alert.destination.port == 22' })).toBe(true);
    expect(test({ cel: 'alert.destination.ip == ""' }, alert({ dst: null }))).toBe(true); // nulls read as ""
  });

  it('compiles correlation settings and the value a value_count counts', () => {
    const rule = DetectionRule.parse({ apiVersion: 'gwanje/v1', kind: 'DetectionRule', id: 'r', name: 'r', match: { severity: 3 }, correlate: { value_count: { field: 'destination.port', min: 20 } }, points: 5 });
    expect(compileRule(rule, 300_000).correlate).toEqual({ kind: 'value_count', field: 'destination.port', min: 20, windowMs: 300_000 });
    expect(valueOf(alert({ dport: 8080 }), 'destination.port')).toBe('8080');
    expect(valueOf(alert({ dst: null }), 'destination.ip')).toBeNull();
    expect(valueOf(alert({ j: 'seoul-mapo' }), 'jurisdiction')).toBe('seoul-mapo');
  });
});
