import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/**
 * Imports run one way: the README's dependency order (Layout) is the rule, and every import in
 * src/**\/*.ts (specs excepted: tests wire layers together) must point at its own unit or one on its left.
 */

const SRC = __dirname;
const README = path.join(SRC, '..', 'README.md');

/** Units, lowest first: each level is a list of path prefixes under src/ (`playbooks/loader`, `auth`). */
export function parseOrder(readme: string): string[][] {
  const m = /<!-- dependency-order -->\s*`([^`]+)`\s*<!-- \/dependency-order -->/.exec(readme);
  if (!m) throw new Error('README.md has no <!-- dependency-order --> line');
  return m[1].split('→').map((level) => level.split('+').map((u) => u.trim()).filter(Boolean));
}

export interface Layers {
  /** The unit a file (path relative to src/, with /) belongs to, and its level. */
  unitOf(file: string): { unit: string; level: number } | null;
}

export function layers(order: string[][]): Layers {
  const units = order.flatMap((level, i) => level.map((unit) => ({ unit, level: i })));
  // Longest prefix first: `playbooks/loader/x.ts` is playbooks/loader, not playbooks.
  units.sort((a, b) => b.unit.length - a.unit.length);
  return {
    unitOf(file) {
      if (!file.includes('/')) return units.find((u) => u.unit === 'app') ?? null;
      return units.find((u) => file === u.unit || file.startsWith(`${u.unit}/`)) ?? null;
    },
  };
}

export interface Violation {
  file: string;
  import: string;
  why: string;
}

/** The relative imports of one file (ts.preProcessFile: imports, re-exports, dynamic imports). */
export function importsOf(text: string): string[] {
  return ts
    .preProcessFile(text, true, true)
    .importedFiles.map((f) => f.fileName)
    .filter((f) => f.startsWith('.'));
}

/** Check one file's imports; `file` is relative to src/. */
export function check(l: Layers, file: string, text: string): Violation[] {
  const from = l.unitOf(file);
  if (!from) return [{ file, import: '', why: `${file} belongs to no unit of the README's dependency order` }];
  const out: Violation[] = [];
  for (const spec of importsOf(text)) {
    const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec));
    if (target.startsWith('..')) continue; // outside src/ (package.json)
    const to = l.unitOf(target);
    if (!to) out.push({ file, import: spec, why: `${target} belongs to no unit` });
    else if (to.level > from.level) out.push({ file, import: spec, why: `${from.unit} may not import ${to.unit} (above it in the README's order)` });
  }
  return out;
}

function sources(dir: string, rel = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) return e.name === 'public' ? [] : sources(path.join(dir, e.name), r);
    return e.name.endsWith('.ts') && !e.name.endsWith('.spec.ts') && !e.name.endsWith('.d.ts') ? [r] : [];
  });
}

describe('architecture: imports follow the README dependency order', () => {
  const order = parseOrder(readFileSync(README, 'utf8'));
  const l = layers(order);

  it('reads the order from the README', () => {
    expect(order[0]).toEqual(['contracts']);
    expect(order[1]).toEqual(['infra']);
    expect(order.flat()).toEqual(expect.arrayContaining(['detection', 'playbooks', 'sharing', 'approvals', 'blocklist', 'learning', 'app']));
  });

  it('every src file imports only its own unit or units below it', () => {
    const violations = sources(SRC).flatMap((f) => check(l, f, readFileSync(path.join(SRC, f), 'utf8')));
    expect(violations.map((v) => `${v.file}: '${v.import}': ${v.why}`)).toEqual([]);
  });

  it('fails on an import running the wrong way (a synthetic case)', () => {
    // blocklist sits below detection: calling it directly is what decision.created replaced.
    const wrong = check(l, 'blocklist/decisions.service.ts', "import { DetectionService } from '../detection/detection.service';\n");
    expect(wrong).toEqual([{ file: 'blocklist/decisions.service.ts', import: '../detection/detection.service', why: 'blocklist may not import detection (above it in the README\'s order)' }]);
    // Infra imports no domain code, not even types or re-exports.
    expect(check(l, 'infra/config/config.schema.ts', "import type { Tlp } from '../../sharing/sharing.schemas';")).toHaveLength(1);
    expect(check(l, 'infra/http/openapi.ts', "export { Public } from '../../auth/auth.decorators';")).toHaveLength(1);
    // The longest prefix wins: detection may use the loader, the loader may not use detection.
    expect(check(l, 'detection/rules/rules.service.ts', "import { loadPaths } from '../../playbooks/loader/loader';")).toEqual([]);
    expect(check(l, 'playbooks/loader/loader.ts', "import '../../detection/rules/rule.schema';")).toHaveLength(1);
  });

  it('allows imports within a level and downwards', () => {
    expect(check(l, 'auth/api-keys.service.ts', "import { AuditService } from '../audit/audit.service';")).toEqual([]);
    expect(check(l, 'audit/audit.controller.ts', "import { Roles } from '../auth/auth.decorators';")).toEqual([]);
    expect(check(l, 'playbooks/runs/engine.service.ts', "import { SHARING } from '../../sharing/sharing.port';")).toEqual([]);
    expect(check(l, 'main.ts', "import { AppModule } from './app.module';")).toEqual([]);
    // Learning reads detection's features and registers its factor; detection never imports learning.
    expect(check(l, 'learning/learning.service.ts', "import { DetectionFeatures } from '../detection/features';")).toEqual([]);
    expect(check(l, 'detection/detection.service.ts', "import { ModelFactor } from '../learning/model-factor';")).toHaveLength(1);
  });
});
