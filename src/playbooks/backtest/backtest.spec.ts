import { dryEffects, treeOf } from '../engine/dry-effects';
import type { ExecutorOptions } from '../engine/executor';
import { loadText } from '../loader/loader';
import { compilePlaybook } from '../model/compile';
import type { Playbook } from '../model/playbook.schema';
import '../model/register';
import { testTrigger, ThreatView } from '../model/variables';
import { backtest } from './backtest';

const pb = (version: number, cond: string, duration: string) => {
  const text = `apiVersion: gwanje/v1\nkind: Playbook\nid: bt\nname: bt\nowner: seoul\nstatus: enforcing\ntrigger:\n  on: threat.flagged\n  if: ${cond}\nsteps:\n  - id: block\n    block: { duration: ${duration}, escalate: false }\n`;
  const r = loadText<Playbook>(text, 'bt.yaml');
  if (r.errors.length) throw new Error(JSON.stringify(r.errors));
  return compilePlaybook(r.documents[0].value, r.documents[0].hash, version);
};
const effects = dryEffects({ jurisdictions: treeOf([{ id: 'seoul', parent: null }, { id: 'seoul-jongno', parent: 'seoul' }]), minPrefix: { v4: 16, v6: 48 }, escalation: { enabled: true, factor: 2, maxMs: 30 * 86_400_000 } });
const opts: ExecutorOptions = { stepTimeoutMs: 1000, stepAttempts: 1, stepBackoffMs: 1, blastRadiusPerHour: 100, approvalTimeoutMs: 1000, webhookTimeoutMs: 1000 };
const flag = (ip: string, score: number) => testTrigger('threat.flagged', { threat: ThreatView.parse({ ip, score, jurisdictions: ['seoul-jongno'] }) }, ip);

describe('backtest', () => {
  it('compares the decisions of a candidate and the running version, trigger by trigger', async () => {
    const running = pb(3, 'threat.score >= 90', '1h');
    const candidate = pb(0, 'threat.score >= 70', '6h');
    const r = await backtest(candidate, running, [flag('45.1.1.1', 95), flag('45.1.1.2', 75), flag('45.1.1.3', 50)], effects, opts);
    expect(r).toMatchObject({ playbook: 'bt', triggers: 3, candidate: { runs: 2, decisions: 2 }, running: { version: 3, runs: 1, decisions: 1 }, changed: 2 });
    expect(r.rows[0].added).toEqual([{ value: '45.1.1.1', jurisdiction: 'seoul', duration: '6h' }]);
    expect(r.rows[0].removed).toEqual([{ value: '45.1.1.1', jurisdiction: 'seoul', duration: '1h' }]);
    expect(r.rows[1]).toMatchObject({ running: { triggered: false, status: null }, candidate: { status: 'succeeded' }, removed: [] });
    expect(r.rows[2]).toMatchObject({ added: [], removed: [], candidate: { triggered: false } });
  });

  it('reports a new playbook (nothing running)', async () => {
    const r = await backtest(pb(0, "'true'", '1h'), null, [flag('45.1.1.4', 80), flag('10.11.0.1', 99)], effects, opts);
    expect(r.running).toBeNull();
    expect(r.rows.map((x) => x.candidate.status)).toEqual(['succeeded', 'succeeded']);
  });
});
