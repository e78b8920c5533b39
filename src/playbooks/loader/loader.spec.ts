import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { DetectionRuleKind } from '../../detection/rules/rule.schema';
import { KindRegistry } from './kinds';
import { formatLoadError, loadPaths, loadText } from './loader';
import { PlaybookKind, setPlaybookContext } from '../model/playbook.schema';

const registry = new KindRegistry().register(DetectionRuleKind);
const load = (text: string) => loadText(text, 'f.yaml', { registry });
const errs = (text: string) => load(text).errors.map(formatLoadError);

const RULE = `apiVersion: gwanje/v1
kind: DetectionRule
id: ok
name: ok
match:
  severity: { gte: 4 }
points: 10
`;

describe('YAML loader', () => {
  it('loads several documents per file, with their start line and a content hash', () => {
    const r = load(`${RULE}---\n${RULE.replace('id: ok', 'id: two')}`);
    expect(r.errors).toEqual([]);
    expect(r.documents.map((d) => [d.id, d.line, d.kind])).toEqual([
      ['ok', 1, 'DetectionRule'],
      ['two', 9, 'DetectionRule'],
    ]);
    expect(r.documents[0].hash).toMatch(/^[0-9a-f]{64}$/);
    expect(r.documents[0].hash).not.toBe(r.documents[1].hash);
  });

  it('points an unknown key at the key itself, with a hint', () => {
    expect(errs(RULE.replace('  severity: { gte: 4 }', '  severity: { gte: 4 }\n  sevrity: 3'))).toEqual(['f.yaml:7:3  match.sevrity  unknown key "sevrity" (check the spelling; unknown keys are refused)']);
  });

  it('reports a missing field on its parent, and a wrong type on the field', () => {
    expect(errs(RULE.replace('points: 10\n', ''))).toEqual([expect.stringMatching(/^f\.yaml:1:1 {2}points {2}missing \(expected number\)/)]);
    expect(errs(RULE.replace('points: 10', 'points: lots'))).toEqual([expect.stringMatching(/^f\.yaml:7:1 {2}points {2}expected number, received string/)]);
    expect(errs(RULE.replace('{ gte: 4 }', '{ gte: "4" }'))[0]).toBe('f.yaml:6:15  match.severity.gte  expected number, received string');
  });

  it('names sequence items by index', () => {
    const text = RULE.replace('  severity: { gte: 4 }', '  any:\n    - severity: 4\n    - destination.port: [22, "9-1"]');
    expect(errs(text)).toEqual(['f.yaml:8:30  match.any[1].destination.port[1]  range must be low-high within 0-65535, got "9-1"']);
  });

  it('rejects wrong apiVersion and unknown kinds with hints', () => {
    expect(errs(RULE.replace('gwanje/v1', 'gwanje/v2'))).toEqual(['f.yaml:1:1  apiVersion  unsupported apiVersion "gwanje/v2" (apiVersion: gwanje/v1)']);
    expect(errs(RULE.replace('DetectionRule', 'Playbok'))).toEqual(['f.yaml:2:1  kind  unknown kind "Playbok" (one of DetectionRule)']);
  });

  it('places CEL errors at the character, in quoted and block scalars', () => {
    expect(errs(RULE.replace('  severity: { gte: 4 }', "  cel: 'alert.sorce.ip == \"1.2.3.4\"'"))).toEqual([expect.stringMatching(/^f\.yaml:6:14 {2}match\.cel {2}CEL: alert has no field sorce/)]);
    const block = RULE.replace('  severity: { gte: 4 }', '  cel: |\n    alert.severity.id >= 4 &&\n      threat.country == 4');
    expect(errs(block)).toEqual([expect.stringMatching(/^f\.yaml:8:22 {2}match\.cel {2}CEL: cannot compare string with int/)]);
  });

  it('reports YAML syntax errors with their position', () => {
    const e = load('apiVersion: gwanje/v1\nkind: [DetectionRule\nid: x\n').errors;
    expect(e.length).toBeGreaterThan(0);
    expect(e[0]).toMatchObject({ file: 'f.yaml', path: '' });
    expect(e[0].line).toBeGreaterThanOrEqual(2);
  });

  it('is safe: custom tags, alias bombs, oversized files and duplicate keys are refused', () => {
    expect(errs(RULE.replace('name: ok', 'name: !shell ok'))[0]).toMatch(/^f\.yaml:4:7 {2}\(document\) {2}.*tag/i);
    expect(errs(RULE.replace('name: ok', 'name: !!binary b2s='))[0]).toMatch(/tag/i);
    const bomb = 'a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n';
    expect(errs(bomb)[0]).toMatch(/alias/i);
    expect(loadText('a: ' + 'x'.repeat(300 * 1024), 'big.yaml', { registry }).errors).toEqual([expect.objectContaining({ line: 1, column: 1, message: 'file is larger than 256 KiB' })]);
    expect(errs(RULE + 'points: 3\n')[0]).toMatch(/^f\.yaml:8:1 .*unique/i);
  });

  it('loads directories, skips kinds it was not asked for, and reports duplicates at the later file', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'gw-loader-'));
    writeFileSync(path.join(dir, 'a.yaml'), RULE);
    writeFileSync(path.join(dir, 'b.yml'), `apiVersion: gwanje/v1\nkind: Playbook\nid: p\n---\n${RULE}`);
    writeFileSync(path.join(dir, 'notes.txt'), 'not yaml');
    const r = loadPaths([dir, path.join(dir, 'missing')], { registry, kinds: ['DetectionRule'] });
    expect(r.documents.map((d) => path.basename(d.file))).toEqual(['a.yaml']);
    expect(r.errors.map((e) => `${path.basename(e.file)}:${e.line}:${e.column} ${e.path} ${e.message} (${e.hint})`)).toEqual([
      expect.stringMatching(/^missing:1:1 {2}cannot read/),
      `b.yml:7:1 id duplicate DetectionRule id "ok" (first defined at ${path.join(dir, 'a.yaml')}:1:1)`,
    ].sort());
  });

  it('lets other kinds register a schema and a semantic check', () => {
    const reg = new KindRegistry().register({
      kind: 'Allowlist',
      schema: z.strictObject({ apiVersion: z.literal('gwanje/v1'), kind: z.literal('Allowlist'), id: z.string(), cidrs: z.array(z.string()) }),
      idOf: (d) => d.id,
      check: (d) => (d.cidrs.includes('0.0.0.0/0') ? [{ path: ['cidrs', d.cidrs.indexOf('0.0.0.0/0')], message: 'never allowlist everything' }] : []),
    });
    const r = loadText('apiVersion: gwanje/v1\nkind: Allowlist\nid: a\ncidrs:\n  - 10.0.0.0/8\n  - 0.0.0.0/0\n', 'al.yaml', { registry: reg });
    expect(r.errors.map(formatLoadError)).toEqual(['al.yaml:6:5  cidrs[1]  never allowlist everything']);
  });
});

/** A catalogue of broken playbooks: each error located at `file:line:col  path  message (hint)`. */
describe('Playbook load errors (catalogue)', () => {
  const reg = new KindRegistry().register(PlaybookKind);
  const PB = `apiVersion: gwanje/v1
kind: Playbook
id: jongno-block
name: Jongno blocks
owner: seoul-jongno
status: enforcing
trigger:
  on: threat.flagged
  if: threat.score >= 80
steps:
  - id: ask
    approve: { quorum: 2, timeout: 2h }
  - id: block
    block:
      duration: 24h
      reason: "score {{ threat.score }}"
  - id: tell
    notify: { url: "https://soc.example/hook", secret: soc }
`;
  const pbErrs = (text: string) => loadText(text, 'pb.yaml', { registry: reg }).errors.map(formatLoadError);
  const VARS = '(variables: threat.ip, threat.score, threat.confidence, threat.jurisdictions, threat.country, threat.rules, threat.generation, playbook.owner)';
  const FIELDS = 'ip, score, confidence, generation, reason, threshold, rules, jurisdictions, jurisdiction, country, asn, as_org, alert_count, first_seen, last_seen, kind, addresses';
  const STEPS_HINT = '(a list of steps, each with an id and one action (block, unblock, share, notify, approve, tag))';

  it('accepts the valid one', () => {
    expect(pbErrs(PB)).toEqual([]);
  });

  it.each<[string, string, string[]]>([
    ['block without a duration', PB.replace('      duration: 24h\n', ''), ['pb.yaml:14:5  steps[1].block.duration  missing (blocks must expire, e.g. duration: 24h)']],
    ['a zero duration', PB.replace('duration: 24h', 'duration: 0h'), ['pb.yaml:15:7  steps[1].block.duration  must be longer than 0, got "0h" (blocks must expire, e.g. duration: 24h)']],
    ['a duration in words', PB.replace('duration: 24h', 'duration: 1 day'), ['pb.yaml:15:7  steps[1].block.duration  a duration like 30s, 15m, 24h or 7d, got "1 day" (blocks must expire, e.g. duration: 24h)']],
    ['an unknown step key', PB.replace('  - id: ask\n', '  - id: ask\n    iff: true\n'), ['pb.yaml:12:5  steps[0].iff  unknown key "iff" (did you mean "if"?)']],
    ['two actions in a step', PB.replace('    approve: { quorum: 2, timeout: 2h }', '    approve: { quorum: 2, timeout: 2h }\n    tag: { tags: [x] }'), [`pb.yaml:11:5  steps[0]  one action per step, got approve and tag ${STEPS_HINT}`]],
    ['a step without action', PB.replace('    notify: { url: "https://soc.example/hook", secret: soc }\n', '    description: nothing\n'), [`pb.yaml:17:5  steps[2]  no action: give one of block, unblock, share, notify, approve, tag ${STEPS_HINT}`]],
    ['an unknown status', PB.replace('status: enforcing', 'status: live'), ['pb.yaml:6:1  status  Invalid option: expected one of "draft"|"shadow"|"enforcing"|"disabled" (draft (not run), shadow (runs, records what it would do), enforcing (acts) or disabled)']],
    ['an unknown trigger', PB.replace('on: threat.flagged', 'on: threat.found'), ['pb.yaml:8:3  trigger.on  Invalid option: expected one of "threat.flagged"|"alert"|"shared.indicator"|"manual" (one of threat.flagged, alert, shared.indicator, manual)']],
    ['CEL: an unknown field', PB.replace('if: threat.score >= 80', 'if: threat.scores >= 80'), [`pb.yaml:9:13  trigger.if  CEL: threat has no field scores (fields: ${FIELDS}) ${VARS}`]],
    ['CEL: a type error', PB.replace('if: threat.score >= 80', 'if: threat.country >= 80'), [`pb.yaml:9:22  trigger.if  CEL: cannot order string against int ${VARS}`]],
    ['CEL: not a bool', PB.replace('if: threat.score >= 80', 'if: threat.ip'), [`pb.yaml:9:7  trigger.if  CEL: expression gives string, expected bool ${VARS}`]],
    ['CEL: a syntax error', PB.replace('if: threat.score >= 80', 'if: threat.score >= '), [`pb.yaml:9:20  trigger.if  CEL: syntax: found > but expecting end of input ${VARS}`]],
    ['a template with an unknown field', PB.replace('{{ threat.score }}', '{{ threat.scor }}'), [`pb.yaml:16:31  steps[1].block.reason  template: CEL: threat has no field scor (fields: ${FIELDS}) ${VARS}`]],
    ['a duplicate step id', PB.replace('  - id: tell', '  - id: ask'), ['pb.yaml:17:5  steps[2].id  duplicate step id "ask" (also steps[0])']],
    ['a quorum of 0', PB.replace('quorum: 2', 'quorum: 0'), ['pb.yaml:12:16  steps[0].approve.quorum  Too small: expected number to be >=1 (distinct approvers needed, e.g. quorum: 2)']],
    ['an unknown TLP', PB.replace('  - id: tell\n', '  - id: share\n    share: { to: [children], tlp: ORANGE }\n  - id: tell\n'), ['pb.yaml:18:30  steps[2].share.tlp  Invalid option: expected one of "CLEAR"|"GREEN"|"AMBER"|"AMBER+STRICT"|"RED" (one of CLEAR, GREEN, AMBER, AMBER+STRICT, RED)']],
    ['a non-HTTP webhook', PB.replace('https://soc.example/hook', 'ftp://soc.example/hook'), ['pb.yaml:18:15  steps[2].notify.url  an http(s) URL, got "ftp://soc.example/hook"']],
    ['no steps', PB.replace(/steps:[\s\S]*$/, 'steps: []\n'), [`pb.yaml:10:1  steps  Too small: expected array to have >=1 items ${STEPS_HINT}`]],
    ['a test naming an unknown step', PB + 'tests:\n  - name: t\n    trigger: { threat: { ip: 45.1.2.3 } }\n    expect: { steps: [blok] }\n', ['pb.yaml:22:23  tests[0].expect.steps[0]  no step "blok" in this playbook (steps: ask, block, tell)']],
    [
      'a test with the wrong trigger shape',
      PB + 'tests:\n  - name: t\n    trigger: { indicator: { value: 45.1.2.3 } }\n    expect: { steps: [block] }\n',
      ['pb.yaml:21:5  tests[0].trigger.threat  missing (expected object) (a threat.flagged test gives threat: with the fields the playbook reads)', 'pb.yaml:21:16  tests[0].trigger.indicator  unknown key "indicator" (check the spelling; unknown keys are refused)'],
    ],
  ])('%s', (_, text, expected) => {
    expect(pbErrs(text)).toEqual(expected);
  });

  it('checks the expressions against the variables of the trigger: approvals and threat.score are not there on alert triggers', () => {
    const alert = PB.replace('on: threat.flagged', 'on: alert').replace('if: threat.score >= 80', 'if: alert.severity.id >= 4');
    expect(pbErrs(alert)).toEqual([
      'pb.yaml:16:31  steps[1].block.reason  template: CEL: threat has no field score (fields: ip, country, asn, as_org) (variables: alert.source.ip, alert.rule.category, alert.severity.id, alert.jurisdiction, threat.country, playbook.owner)',
      'pb.yaml:12:5  steps[0].approve  approvals are not available on alert triggers (flag the IP with a DetectionRule and trigger on threat.flagged)',
    ]);
  });

  it('checks owners, scopes and webhook secrets against the deployment once it is known', () => {
    setPlaybookContext({ jurisdictions: new Map([['seoul', { parent: null }], ['seoul-jongno', { parent: 'seoul' }], ['seoul-mapo', { parent: 'seoul' }]]), secrets: new Set(['soc']) });
    try {
      expect(pbErrs(PB)).toEqual([]);
      expect(pbErrs(PB.replace('owner: seoul-jongno', 'owner: atlantis'))).toEqual(['pb.yaml:5:1  owner  jurisdiction atlantis is not declared (one of seoul, seoul-jongno, seoul-mapo)']);
      expect(pbErrs(PB.replace('secret: soc', 'secret: noc'))).toEqual(['pb.yaml:18:48  steps[2].notify.secret  no secret "noc" in playbooks.webhooks.secrets (declared: soc)']);
      expect(pbErrs(PB.replace('      duration: 24h\n', '      duration: 24h\n      scope: { jurisdictions: [seoul-mapo] }\n'))).toEqual([
        "pb.yaml:16:32  steps[1].block.scope.jurisdictions[0]  seoul-mapo is outside seoul-jongno's jurisdictions (a playbook acts in its owner and the jurisdictions below it)",
      ]);
    } finally {
      setPlaybookContext(null);
    }
  });

  it('is safe YAML for playbooks too: custom tags and alias bombs are refused before validation', () => {
    expect(pbErrs(PB.replace('name: Jongno blocks', 'name: !!js/function "x"'))[0]).toMatch(/^pb\.yaml:4:7 {2}\(document\) {2}.*tag/i);
    const bomb = PB.replace('name: Jongno blocks', 'name: Jongno blocks\nx: &a [a, a, a, a, a, a, a, a]\ny: &b [*a, *a, *a, *a, *a, *a, *a, *a]\nz: [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]');
    expect(pbErrs(bomb)[0]).toMatch(/alias/i);
  });
});

/** Mistakes newcomers make, said so they can fix them without reading the schema. */
describe('Playbook load errors that explain themselves', () => {
  const reg = new KindRegistry().register(PlaybookKind);
  const PB = `apiVersion: gwanje/v1
kind: Playbook
id: jongno-block
name: Jongno blocks
owner: seoul-jongno
status: enforcing
trigger:
  on: threat.flagged
  if: threat.score >= 80
steps:
  - id: block
    block:
      duration: 24h
      reason: "score {{ threat.score }}"
`;
  const pbErrs = (text: string) => loadText(text, 'pb.yaml', { registry: reg }).errors.map(formatLoadError);

  it('suggests the key that was meant', () => {
    expect(pbErrs(PB.replace('      duration: 24h', '      duration: 24h\n      escalte: true'))).toEqual(['pb.yaml:14:7  steps[0].block.escalte  unknown key "escalte" (did you mean "escalate"?)']);
    expect(pbErrs(PB.replace('name: Jongno blocks', 'name: Jongno blocks\ndescripton: x'))).toEqual(['pb.yaml:5:1  descripton  unknown key "descripton" (did you mean "description"?)']);
    // Two letters swapped count as one slip.
    expect(pbErrs(PB.replace('      duration: 24h', '      duration: 24h\n      scpoe: own'))).toEqual(['pb.yaml:14:7  steps[0].block.scpoe  unknown key "scpoe" (did you mean "scope"?)']);
    // Nothing close: the keys that are allowed there.
    expect(pbErrs(PB.replace('  on: threat.flagged', '  on: threat.flagged\n  zzzzzz: 1'))).toEqual(['pb.yaml:9:3  trigger.zzzzzz  unknown key "zzzzzz" (known keys here: on, if)']);
  });

  it('quotes the bad duration', () => {
    expect(pbErrs(PB.replace('duration: 24h', 'duration: 1 day'))[0]).toContain('a duration like 30s, 15m, 24h or 7d, got "1 day"');
    expect(pbErrs(PB.replace('duration: 24h', 'duration: 0h'))[0]).toContain('must be longer than 0, got "0h"');
  });

  it('hints at == when a CEL condition uses =', () => {
    const [e] = pbErrs(PB.replace('threat.score >= 80', 'threat.country = "KR"'));
    expect(e).toMatch(/^pb\.yaml:9:\d+ {2}trigger\.if {2}CEL: .*\(CEL compares with == \(a single = is not an operator\); variables: /);
    // = inside a string, and <=, are not the mistake.
    expect(pbErrs(PB.replace('threat.score >= 80', 'threat.country == "a=b" && threat.score <= 3'))).toEqual([]);
  });

  it('puts indentation errors on the line that is off, in words', () => {
    expect(pbErrs(PB.replace('      reason:', '     reason:'))).toEqual([
      'pb.yaml:14:6  (document)  indentation: this key starts at column 6, the key above it (line 13) at column 7 (keys of one mapping start at the same column; indent with spaces, not tabs)',
    ]);
    // yaml reports an over-indented line on the line above it.
    expect(pbErrs(PB.replace('      reason:', '        reason:'))).toEqual([
      'pb.yaml:14:9  (document)  indentation: this line starts at column 9, deeper than line 13 (column 7), which already has a value (keys of one mapping start at the same column; indent with spaces, not tabs)',
    ]);
    expect(pbErrs(PB.replace('  if: threat', '   if: threat'))[0]).toMatch(/^pb\.yaml:9:4 {2}\(document\) {2}indentation: this line starts at column 4, deeper than line 8/);
    expect(pbErrs(PB.replace('      reason:', '\treason:'))).toEqual(['pb.yaml:14:1  (document)  a tab in the indentation (YAML indents with spaces only: replace the tab with spaces)']);
  });
});
