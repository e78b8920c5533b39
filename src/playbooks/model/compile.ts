import { compileCel, type CelProgram } from '../loader/cel';
import { stepCall, type Playbook, type Step, type StepCall } from './playbook.schema';
import { compileTemplate, renderTemplate, type Template } from './template';
import { celVariablesFor } from './variables';

/** A JSON body whose strings are templates. */
export type BodyNode = { t: Template } | { list: BodyNode[] } | { map: Array<[string, BodyNode]> } | { v: unknown };

interface CompiledStepBase {
  index: number;
  id: string;
  step: Step;
  if: CelProgram | null;
  target: CelProgram | null;
  reason: Template | null;
  summary: Template | null;
  note: Template | null;
  idempotencyKey: Template | null;
  headers: Array<[string, Template]>;
  body: BodyNode | null;
}

/** A step ready to run: its action and typed arguments (`action`, `args`), expressions compiled. */
export type CompiledStep = CompiledStepBase & StepCall;

/** A validated playbook, ready to run: every expression compiled once. */
export interface CompiledPlaybook {
  doc: Playbook;
  id: string;
  /** sha256 of the document text: the version id runs record. */
  hash: string;
  /** Version number in the store (0 when not stored, e.g. a file under test). */
  version: number;
  if: CelProgram | null;
  steps: CompiledStep[];
}

function cel(source: string, pb: Playbook, result: 'bool' | 'string'): CelProgram {
  const c = compileCel(source, celVariablesFor(pb.trigger.on), { result });
  if (!c.ok) throw new Error(`${pb.id}: CEL ${JSON.stringify(source)}: ${c.message}`);
  return c.program;
}

function template(source: string, pb: Playbook): Template {
  const c = compileTemplate(source, celVariablesFor(pb.trigger.on));
  if (!c.ok) throw new Error(`${pb.id}: template ${JSON.stringify(source)}: ${c.message}`);
  return c.template;
}

function body(v: unknown, pb: Playbook): BodyNode {
  if (typeof v === 'string') return { t: template(v, pb) };
  if (Array.isArray(v)) return { list: v.map((x) => body(x, pb)) };
  if (v && typeof v === 'object') return { map: Object.entries(v).map(([k, x]) => [k, body(x, pb)]) };
  return { v };
}

export function renderBody(n: BodyNode, bindings: Record<string, unknown>): unknown {
  if ('t' in n) return renderTemplate(n.t, bindings);
  if ('list' in n) return n.list.map((x) => renderBody(x, bindings));
  if ('map' in n) return Object.fromEntries(n.map.map(([k, x]) => [k, renderBody(x, bindings)]));
  return n.v;
}

/** Compile a playbook the loader accepted (its expressions were checked there; a failure here is a bug). */
export function compilePlaybook(doc: Playbook, hash: string, version = 0): CompiledPlaybook {
  return {
    doc,
    id: doc.id,
    hash,
    version,
    if: doc.trigger.if ? cel(doc.trigger.if, doc, 'bool') : null,
    steps: doc.steps.map((step, index) => {
      const call = stepCall(step);
      const args: Record<string, unknown> = call.args;
      const t = (k: string) => {
        const v = args[k];
        return typeof v === 'string' ? template(v, doc) : null;
      };
      return {
        index,
        id: step.id,
        ...call,
        step,
        if: step.if ? cel(step.if, doc, 'bool') : null,
        target: typeof args.target === 'string' ? cel(args.target, doc, 'string') : null,
        reason: t('reason'),
        summary: t('summary'),
        note: t('note'),
        idempotencyKey: step.idempotency_key ? template(step.idempotency_key, doc) : null,
        headers: Object.entries(step.notify?.headers ?? {}).map(([k, v]) => [k, template(v, doc)] as [string, Template]),
        body: step.notify?.body !== undefined ? body(step.notify.body, doc) : null,
      };
    }),
  };
}
