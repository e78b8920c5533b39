import { Conflict, Invalid, Refused, Unavailable } from '../../contracts/errors';
import { conflict, ProblemError, tooManyRequests, unprocessable } from '../../infra/http/problem';
import { loadText } from '../loader/loader';
import { compilePlaybook } from '../model/compile';
import { ACTIONS, type Playbook } from '../model/playbook.schema';
import '../model/register';
import { testTrigger, ThreatView } from '../model/variables';
import { STEP_MODULES } from '../steps/registry';
import { dryEffects, treeOf } from './dry-effects';
import type { Effects } from './effects';
import { isPermanent, PermanentError } from './errors';
import { Executor, type ExecutorOptions } from './executor';
import type { RunRecord } from './run.types';

const playbook = (steps: string) => {
  const text = `apiVersion: gwanje/v1\nkind: Playbook\nid: ex\nname: ex\nowner: seoul\nstatus: enforcing\ntrigger:\n  on: threat.flagged\nsteps:\n${steps}`;
  const r = loadText<Playbook>(text, 'ex.yaml');
  if (r.errors.length) throw new Error(JSON.stringify(r.errors));
  return compilePlaybook(r.documents[0].value, r.documents[0].hash, 1);
};
const base = dryEffects({ jurisdictions: treeOf([{ id: 'seoul', parent: null }, { id: 'seoul-jongno', parent: 'seoul' }]), minPrefix: { v4: 16, v6: 48 }, escalation: { enabled: false, factor: 2, maxMs: 86_400_000 } });
const opts: ExecutorOptions = { stepTimeoutMs: 1000, stepAttempts: 3, stepBackoffMs: 1, blastRadiusPerHour: 100, approvalTimeoutMs: 3_600_000, webhookTimeoutMs: 1000, sleep: async () => undefined };
const flag = testTrigger('threat.flagged', { threat: ThreatView.parse({ ip: '45.155.205.9', score: 90, jurisdictions: ['seoul-jongno'] }) }, 'x');

async function enforce(steps: string, effects: Partial<Effects>): Promise<RunRecord> {
  const pb = playbook(steps);
  const ex = new Executor({ ...base, ...effects }, opts);
  const run = ex.newRun('run-1', pb, flag, 'enforcing');
  return ex.advance(run, pb, async () => undefined);
}

const SHARE = '  - id: share\n    share: { to: [children], tlp: AMBER }\n';

describe('executor: permanent vs retryable step errors', () => {
  it('a domain refusal (a typed domain error, or a 4xx ProblemError) fails the step at once', async () => {
    for (const err of [new Refused('ttl 400d is outside 1s..30d (sharing.maxTtl)'), unprocessable('ttl 400d is outside 1s..30d (sharing.maxTtl)')]) {
      let calls = 0;
      const run = await enforce(SHARE, {
        share: async () => {
          calls++;
          throw err;
        },
      });
      expect(run.status).toBe('failed');
      expect(run.steps[0]).toMatchObject({ status: 'failed', attempts: 1, error: expect.stringContaining('sharing.maxTtl') });
      expect(calls).toBe(1);
    }
  });

  it('unavailable, rate limits and other errors are retried with the step policy', async () => {
    for (const err of [new Unavailable('sharing store down'), tooManyRequests('slow down', 1), new Error('ECONNRESET')]) {
      let calls = 0;
      const run = await enforce(SHARE, {
        share: async () => {
          calls++;
          throw err;
        },
      });
      expect(run.steps[0]).toMatchObject({ status: 'failed', attempts: 3 });
      expect(calls).toBe(3);
    }
  });

  it('isPermanent: PermanentError, domain errors but Unavailable, client errors except 408/425/429', () => {
    expect(isPermanent(new PermanentError('x'))).toBe(true);
    for (const e of [new Invalid('x'), new Refused('x'), new Conflict('x')]) expect(isPermanent(e)).toBe(true);
    expect(isPermanent(new Unavailable('x'))).toBe(false);
    expect(isPermanent(unprocessable('x'))).toBe(true);
    expect(isPermanent(conflict('x'))).toBe(true);
    expect(isPermanent(new ProblemError(408, 'Request Timeout', 'x'))).toBe(false);
    expect(isPermanent(tooManyRequests('x', 1))).toBe(false);
    expect(isPermanent(new ProblemError(503, 'Service Unavailable', 'x'))).toBe(false);
    expect(isPermanent(new Error('x'))).toBe(false);
  });
});

describe('executor: step modules', () => {
  it('has one module per action, registered under its kind', () => {
    expect(Object.keys(STEP_MODULES).sort()).toEqual([...ACTIONS].sort());
    for (const [kind, m] of Object.entries(STEP_MODULES)) expect(m.kind).toBe(kind);
  });

  it('records each step input as its module schema says (a dry run through every action)', async () => {
    const pb = playbook(
      '  - id: ask\n    approve: {}\n  - id: block\n    block: { duration: 24h, tlp: AMBER }\n  - id: lift\n    unblock: {}\n' +
        '  - id: share\n    share: { to: [children], tlp: GREEN, min_confidence: 50 }\n  - id: tell\n    notify: { url: "https://soc.example/hook", secret: soc }\n  - id: tag\n    tag: { tags: [x], note: "{{ threat.ip }}" }\n',
    );
    const ex = new Executor(base, opts);
    const run = await ex.advance(ex.newRun('run-dry', pb, flag, 'dry'), pb, async () => undefined);
    expect(run.status).toBe('succeeded');
    expect(run.steps.map((s) => s.status)).toEqual(['would', 'would', 'would', 'would', 'would', 'would']);
    run.steps.forEach((s, i) => expect(STEP_MODULES[pb.steps[i].action].input.safeParse(s.input).success).toBe(true));
    expect(run.steps[5].input).toEqual({ target: '45.155.205.9', jurisdiction: 'seoul', tags: ['x'], note: '45.155.205.9', ttl: '30d' });
  });

  it('an approval lists what later steps will do, and names a step that cannot resolve instead of failing the run', async () => {
    const asked: Array<{ summary: string; change: Record<string, unknown> }> = [];
    const run = await enforce(
      '  - id: ask\n    approve: {}\n  - id: block\n    block: { duration: 24h }\n  - id: odd\n    tag: { tags: [x], target: "\'not-an-ip\'" }\n',
      {
        requestApproval: async (req) => {
          asked.push({ summary: req.summary, change: req.change });
          return { id: 'ap-1', created: true };
        },
      },
    );
    expect(run.status).toBe('waiting');
    expect(run.steps[0]).toMatchObject({ status: 'waiting', result: { approvalId: 'ap-1' } });
    expect(asked).toHaveLength(1);
    expect(asked[0].summary).toBe('ex: block 45.155.205.9 in seoul for 24h; tag (target "not-an-ip" is not an IP address or CIDR) (test x)');
    expect(asked[0].change.steps).toEqual([
      { step: 'block', action: 'block', value: '45.155.205.9', durations: { seoul: '24h' } },
      { step: 'odd', action: 'tag', error: 'target "not-an-ip" is not an IP address or CIDR' },
    ]);
  });
});
