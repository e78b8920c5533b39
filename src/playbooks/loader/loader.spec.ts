import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { DetectionRuleKind } from '../../detection/rules/rule.schema';
import { KindRegistry } from './kinds';
import { formatLoadError, loadPaths, loadText } from './loader';

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
    expect(errs(text)).toEqual(['f.yaml:8:30  match.any[1].destination.port[1]  range must be low-high within 0-65535']);
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
