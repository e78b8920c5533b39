import { isCelList, isCelMap } from '@bufbuild/cel';
import { compileCel, type CelProgram, type CelVariables } from '../loader/cel';

/**
 * Text with `{{ expression }}` holes, each a CEL expression over the trigger's variables:
 * `"Blocked {{ threat.ip }} (score {{ threat.score }})"`. A string that is exactly one hole
 * (`"{{ threat.jurisdictions }}"`) renders to the value itself, so JSON bodies keep lists and numbers.
 */
export type TemplatePart = { text: string } | { expr: CelProgram; offset: number };
export interface Template {
  source: string;
  parts: TemplatePart[];
  /** True when the whole string is one hole. */
  whole: boolean;
}

export type TemplateCompiled = { ok: true; template: Template } | { ok: false; message: string; offset: number };

const OPEN = '{{';
const CLOSE = '}}';

export function compileTemplate(source: string, variables: CelVariables): TemplateCompiled {
  const parts: TemplatePart[] = [];
  let i = 0;
  while (i < source.length) {
    const open = source.indexOf(OPEN, i);
    if (open < 0) {
      parts.push({ text: source.slice(i) });
      break;
    }
    if (open > i) parts.push({ text: source.slice(i, open) });
    const close = source.indexOf(CLOSE, open + OPEN.length);
    if (close < 0) return { ok: false, message: 'template: "{{" without a closing "}}"', offset: open };
    const inner = source.slice(open + OPEN.length, close);
    const lead = inner.length - inner.trimStart().length;
    const expr = inner.trim();
    if (!expr) return { ok: false, message: 'template: empty {{ }}', offset: open };
    const c = compileCel(expr, variables, { result: 'dyn' });
    if (!c.ok) return { ok: false, message: `template: CEL: ${c.message}`, offset: open + OPEN.length + lead + (c.offset ?? 0) };
    parts.push({ expr: c.program, offset: open + OPEN.length + lead });
    i = close + CLOSE.length;
  }
  const whole = parts.length === 1 && 'expr' in parts[0];
  return { ok: true, template: { source, parts, whole } };
}

/** A CEL value as plain JSON-able JS: ints (bigint) as numbers, CEL lists and maps as arrays and objects. */
export function celToJs(v: unknown): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (v === null || v === undefined || typeof v !== 'object') return v;
  if (isCelList(v)) return [...v].map(celToJs);
  // CEL map keys are int, uint, bool or string.
  if (isCelMap(v)) return Object.fromEntries([...v.entries()].map(([k, x]) => [String(k as string | number | bigint | boolean), celToJs(x)]));
  if (Array.isArray(v)) return v.map(celToJs);
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  if (typeof (v as { value?: unknown }).value === 'bigint') return Number((v as { value: bigint }).value); // CelUint
  return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, celToJs(x)]));
}

const asText = (v: unknown): string => {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return '';
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return JSON.stringify(v) ?? ''; // objects and lists; CEL has no functions or symbols
};

/** Render: a whole-hole template gives the value; others give text. A hole that fails to evaluate throws. */
export function renderTemplate(t: Template, bindings: Record<string, unknown>): unknown {
  const values = t.parts.map((p) => {
    if ('text' in p) return p.text;
    const r = p.expr.eval(bindings);
    if (!r.ok) throw new Error(`{{ ${p.expr.source} }}: ${r.error}`);
    return celToJs(r.value);
  });
  if (t.whole) return values[0];
  return values.map(asText).join('');
}

export const renderText = (t: Template, bindings: Record<string, unknown>): string => asText(renderTemplate(t, bindings));
