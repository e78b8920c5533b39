import path from 'node:path';
import { formatLoadError, loadPaths, loadText } from '../../playbooks/loader/loader';
import { AlertContext } from './matcher';
import { alert } from './test-alert';
import type { DetectionRule } from './rule.schema';
import { buildRuleSet } from './rules.service';

const load = (text: string) => loadText<DetectionRule>(text, 'rules.yaml', { kinds: ['DetectionRule'] });

describe('detection rule files', () => {
  const shipped = loadPaths<DetectionRule>([path.resolve(__dirname, '../../../playbooks/detection')], { kinds: ['DetectionRule'] });
  const set = buildRuleSet(shipped.documents, 300_000);
  const fired = (a: ReturnType<typeof alert>) => set.rules.filter((r) => r.test(new AlertContext(a, { country: 'CN', asn: 4134, org: 'CHINANET' }))).map((r) => r.id).sort();

  it('the shipped default set loads without errors', () => {
    expect(shipped.errors.map(formatLoadError)).toEqual([]);
    expect(set.rules.map((r) => r.id).sort()).toEqual(['brute-force', 'critical-exploit-allowed', 'critical-signature', 'cve-probe', 'exploit-burst', 'host-scan', 'multi-jurisdiction', 'port-scan', 'slow-host-scan', 'slow-port-scan', 'web-attack-burst']);
  });

  it('each default rule matches the alerts it is about, and not ordinary noise', () => {
    expect(fired(alert({ name: 'ET SCAN Potential SSH Scan', sev: 3 }))).toContain('brute-force');
    expect(fired(alert({ name: 'SSL VPN login fail', category: 'authentication-failure', sev: 2, dport: 443 }))).toContain('brute-force');
    expect(fired(alert({ name: 'ET EXPLOIT Apache log4j RCE Attempt (CVE-2021-44228)', category: 'Attempted Administrator Privilege Gain', sev: 5 }))).toEqual(expect.arrayContaining(['critical-signature', 'exploit-burst']));
    expect(fired(alert({ name: 'ET WEB_SERVER Possible SQL Injection Attempt SELECT FROM', category: 'Web Application Attack', sev: 5 }))).toContain('web-attack-burst');
    const noise = fired(alert({ name: 'ET INFO Observed DNS Query to .cloud TLD', category: 'Potentially Bad Traffic', sev: 2 }));
    expect(noise).not.toEqual(expect.arrayContaining(['brute-force']));
    expect(noise.filter((id) => ['critical-signature', 'exploit-burst', 'web-attack-burst', 'multi-jurisdiction'].includes(id))).toEqual([]);
  });

  it('first-hit exploit rules: a critical exploit let through, or a CVE probe; not generic web signatures or dropped exploits', () => {
    const traversal = { name: 'ET EXPLOIT Generic Path Traversal Attempt', category: 'Attempted Administrator Privilege Gain', sev: 4 };
    expect(fired(alert(traversal))).toEqual(expect.arrayContaining(['critical-exploit-allowed', 'critical-signature']));
    expect(fired(alert({ ...traversal, action: 'blocked' }))).not.toContain('critical-exploit-allowed');
    expect(fired(alert({ ...traversal, sev: 3 }))).not.toContain('critical-exploit-allowed');
    expect(fired(alert({ name: 'Apache.Log4j.Error.Log.Remote.Code.Execution', category: 'ips', sev: 5, format: 'fortigate' }))).toContain('critical-exploit-allowed');
    const cve = fired(alert({ name: 'ET EXPLOIT Apache HTTP Server 2.4.49 Path Traversal Attempt (CVE-2021-41773)', category: 'Web Application Attack', sev: 4, action: 'blocked' }));
    expect(cve).toContain('cve-probe');
    expect(cve).not.toContain('critical-exploit-allowed');
    expect(fired(alert({ name: 'ET POLICY Vulnerable Java Version (CVE-2021-0001)', category: 'Potentially Bad Traffic', sev: 2 }))).not.toContain('cve-probe');
    const web = fired(alert({ name: 'ET WEB_SERVER PHP tags in HTTP POST', category: 'Web Application Attack', sev: 4 }));
    expect(web.filter((id) => ['critical-exploit-allowed', 'cve-probe'].includes(id))).toEqual([]);
  });

  it('a bad rule is reported at file:line:col with its path', () => {
    const res = load(['apiVersion: gwanje/v1', 'kind: DetectionRule', 'id: x', 'name: x', 'match:', '  source.ip: { cidr: ["300.1.2.3/8"] }', 'points: 10'].join('\n'));
    expect(res.documents).toEqual([]);
    expect(res.errors.map(formatLoadError)).toEqual([expect.stringMatching(/^rules\.yaml:6:\d+ {2}match\.source\.ip\.cidr\[0\] {2}not a CIDR/)]);
    const cel = load(['apiVersion: gwanje/v1', 'kind: DetectionRule', 'id: y', 'name: y', 'match:', '  cel: threat.nope == "KR"', 'points: 10'].join('\n'));
    expect(cel.errors[0]).toMatchObject({ line: 6, path: 'match.cel', message: expect.stringContaining('CEL') });
    const both = load(['apiVersion: gwanje/v1', 'kind: DetectionRule', 'id: z', 'name: z', 'match: { severity: 3 }', 'correlate: { event_count: 5, value_count: { field: rule.id, min: 3 } }', 'points: 10'].join('\n'));
    expect(both.errors[0]).toMatchObject({ line: 6, message: 'give exactly one of event_count or value_count' });
  });

  it('disabled rules are left out of the set', () => {
    const res = load(['apiVersion: gwanje/v1', 'kind: DetectionRule', 'id: off', 'name: off', 'enabled: false', 'match: { severity: 3 }', 'points: 10'].join('\n'));
    expect(res.errors).toEqual([]);
    expect(buildRuleSet(res.documents, 300_000).rules).toEqual([]);
  });
});
