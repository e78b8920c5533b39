import { CEL_DEFAULT_LIMITS, compileCel, setCelLimits, type CelVariables } from './cel';
import { formatLoadError, loadText } from './loader';
import '../model/register';
import { DetectionRuleKind } from '../../detection/rules/rule.schema';
import { documentKinds } from './kinds';

if (!documentKinds.get('DetectionRule')) documentKinds.register(DetectionRuleKind);

/** A list literal of n ints: `[0,1,...]`, what the issue wrote as [0..n-1]. */
const range = (n: number) => `[${Array.from({ length: n }, (_, i) => i).join(',')}]`;
/** The expression from the issue: three nested all() over 200 elements, 8 million iterations. */
const ISSUE = `${range(200)}.all(a,${range(200)}.all(b,${range(200)}.all(c,a+b+c>=0)))`;

const vars: CelVariables = { xs: { list: 'int' }, s: 'string', names: { list: 'string' } };
const compile = (src: string, opts: Parameters<typeof compileCel>[2] = { result: 'bool' }) => {
  const c = compileCel(src, vars, opts);
  if (!c.ok) throw new Error(c.message);
  return c.program;
};
const ints = (n: number) => Array.from({ length: n }, (_, i) => BigInt(i));

describe('CEL cost limits at load', () => {
  it('refuses the issue expression (three nested comprehensions) at the innermost one', () => {
    expect(ISSUE.length).toBeLessThan(4096);
    const c = compileCel(ISSUE, {});
    expect(c).toMatchObject({ ok: false, message: 'comprehensions (all, exists, exists_one, map, filter) nested 3 deep; at most 2 (cel.maxNesting)' });
    expect(c.ok === false && c.offset).toBe(ISSUE.lastIndexOf('.all('));
  });

  it('refuses a worst case over literal lists above the budget, and accepts one below it', () => {
    const two = `${range(200)}.all(a, ${range(200)}.all(b, a + b >= 0))`;
    const c = compileCel(two, {});
    expect(c).toMatchObject({ ok: false, message: expect.stringMatching(/^comprehension over 200 elements costs up to [\d,]+ \(about [\d,]+ per element\), more than the budget of 100,000 \(cel\.maxCost\)$/) });
    expect(c.ok === false && c.offset).toBe(two.indexOf('.all('));
    expect(compileCel(`${range(50)}.all(a, ${range(50)}.all(b, a + b >= 0))`, {}).ok).toBe(true);
    // Ordinary expressions are far below it.
    expect(compileCel('names.exists(n, n.startsWith("seoul")) && xs.all(x, x in [1, 2, 3])', vars).ok).toBe(true);
  });

  it('takes the limits from the configuration (setCelLimits) or the call', () => {
    expect(compileCel('xs.all(a, xs.all(b, a > b))', vars, { result: 'bool', limits: { maxNesting: 1, maxCost: 100_000 } })).toMatchObject({ ok: false, message: expect.stringContaining('nested 2 deep; at most 1') });
    try {
      setCelLimits({ maxNesting: 3, maxCost: 100_000_000 });
      expect(compileCel(`${range(20)}.all(a,${range(20)}.all(b,${range(20)}.all(c,a+b+c>=0)))`, {}).ok).toBe(true);
    } finally {
      setCelLimits(CEL_DEFAULT_LIMITS);
    }
  });

  it('a playbook condition over the limit is refused at file:line:col', () => {
    const yaml = [
      'apiVersion: gwanje/v1',
      'kind: Playbook',
      'id: slow',
      'name: slow',
      'owner: seoul',
      'status: draft',
      'trigger:',
      '  on: threat.flagged',
      `  if: '${ISSUE}'`,
      'steps:',
      '  - id: tag',
      '    tag: { tags: [x] }',
    ].join('\n');
    const res = loadText(yaml, 'pb.yaml', { kinds: ['Playbook'] });
    expect(res.documents).toEqual([]);
    expect(res.errors.map(formatLoadError)).toEqual([expect.stringContaining(`pb.yaml:9:${"  if: '".length + ISSUE.lastIndexOf('.all(') + 1}  trigger.if  CEL: comprehensions (all, exists, exists_one, map, filter) nested 3 deep; at most 2 (cel.maxNesting)`)]);
  });

  it('a detection rule over the limit is refused at file:line:col', () => {
    const yaml = ['apiVersion: gwanje/v1', 'kind: DetectionRule', 'id: slow', 'name: slow', 'match:', `  cel: '${ISSUE}'`, 'points: 10'].join('\n');
    const res = loadText(yaml, 'rules.yaml', { kinds: ['DetectionRule'] });
    expect(res.documents).toEqual([]);
    expect(res.errors.map(formatLoadError)).toEqual([expect.stringContaining(`rules.yaml:6:${"  cel: '".length + ISSUE.lastIndexOf('.all(') + 1}  match.cel  CEL: comprehensions (all, exists, exists_one, map, filter) nested 3 deep`)]);
  });
});

describe('CEL cost budget at run time', () => {
  const budget = /^CEL evaluation stopped: cost budget of 100000 exceeded \(cel\.maxCost\)$/;

  it('stops a nested comprehension over large runtime lists, and still evaluates small ones', () => {
    const p = compile('xs.all(a, xs.all(b, a + b >= 0))');
    expect(p.eval({ xs: ints(30) })).toEqual({ ok: true, value: true });
    expect(p.eval({ xs: ints(3000) })).toEqual({ ok: false, error: expect.stringMatching(budget) });
    expect(p.test({ xs: ints(3000) })).toBe(false);
  });

  it('an exhausted budget is an error even where || or && would absorb it', () => {
    const p = compile('xs.exists(a, xs.exists(b, a + b < 0)) || true');
    expect(p.eval({ xs: ints(10) })).toEqual({ ok: true, value: true });
    expect(p.eval({ xs: ints(3000) })).toEqual({ ok: false, error: expect.stringMatching(budget) });
    // One comprehension over a huge list is charged before it iterates.
    expect(compile('xs.exists(a, a < 0)').eval({ xs: ints(200_000) })).toEqual({ ok: false, error: expect.stringMatching(budget) });
  });

  it('each evaluation has its own budget', () => {
    const p = compile('xs.all(a, a >= 0)');
    for (let i = 0; i < 50; i++) expect(p.eval({ xs: ints(5000) })).toEqual({ ok: true, value: true });
  });

  it('replace() and join() chains that multiply sizes are stopped before they build the string', () => {
    const chain = compile('s.replace("", s).replace("", s).replace("", s).replace("", s).replace("", s).replace("", s).size() > 0');
    expect(chain.eval({ s: 'aaaaaaaaaa' })).toEqual({ ok: false, error: expect.stringMatching(budget) });
    const joins = compile('s.split("").join(s.split("").join(s.split("").join(s))).size() > 0');
    expect(joins.eval({ s: 'a'.repeat(100) })).toEqual({ ok: false, error: expect.stringMatching(budget) });
    expect(joins.eval({ s: 'abc' })).toEqual({ ok: true, value: true });
  });

  it('replace() and join() keep their meaning', () => {
    const v = (src: string, b: Record<string, unknown>) => compile(src, { result: 'dyn' }).eval(b);
    expect(v('s.replace("a", "x")', { s: 'banana' })).toEqual({ ok: true, value: 'bxnxnx' });
    expect(v('s.replace("", "-")', { s: 'ab' })).toEqual({ ok: true, value: '-a-b-' });
    expect(v('s.replace("na", "")', { s: 'banana' })).toEqual({ ok: true, value: 'ba' });
    expect(v('names.join(", ")', { names: ['seoul', 'mapo'] })).toEqual({ ok: true, value: 'seoul, mapo' });
    expect(v('names.join()', { names: ['a', 'b'] })).toEqual({ ok: true, value: 'ab' });
    expect(v('[].join("/")', {})).toEqual({ ok: true, value: '' });
  });
});
