import { CelScalar, celEnv, celFunc, celList, celMethod, isCelError, isCelList, isCelMap, listType, parse, plan, type CelList } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';

/**
 * CEL for every YAML kind: parse and evaluate with @bufbuild/cel, type-check here.
 * @bufbuild/cel 0.6 parses and evaluates the full language, but its type checker is neither
 * exported nor complete (it handles constants and identifiers only), so this module checks the
 * parsed AST against declared variables: unknown variables and fields, operand types of
 * operators and functions, and the result type — all at load time, never at run time.
 */

/** Declared types: scalars, lists, maps, and objects with known fields (like a message). */
export type CelDecl =
  | 'string'
  | 'int'
  | 'uint'
  | 'double'
  | 'bool'
  | 'bytes'
  | 'null'
  | 'dyn'
  | 'timestamp'
  | 'duration'
  | { list: CelDecl }
  | { map: CelDecl }
  | { object: string; fields: Record<string, CelDecl> };

export type CelVariables = Record<string, CelDecl>;

export interface CelProgram {
  source: string;
  /** Evaluate; a runtime error (e.g. a missing map key) is returned, never thrown. */
  eval(bindings: Record<string, unknown>): { ok: true; value: unknown } | { ok: false; error: string };
  /** True only when the expression evaluates to boolean true. */
  test(bindings: Record<string, unknown>): boolean;
}

export type CelCompiled = { ok: true; program: CelProgram } | { ok: false; message: string; offset?: number };

const MAX_SOURCE = 4096;

/**
 * Cost limits (config `cel`). The cost of an evaluation is counted in units: every element a
 * comprehension (all, exists, exists_one, map, filter) iterates over costs the size of its loop
 * body in expression nodes, every character replace() and join() produce costs one. At load, an
 * expression nested deeper than `maxNesting` or whose worst case over its literal lists exceeds
 * `maxCost` is refused; at run time each comprehension is charged before it iterates (with the
 * real size of its range), and an evaluation over `maxCost` stops with an error.
 */
export interface CelLimits {
  maxNesting: number;
  maxCost: number;
}
export const CEL_DEFAULT_LIMITS: Readonly<CelLimits> = { maxNesting: 2, maxCost: 100_000 };
let limits: Readonly<CelLimits> = CEL_DEFAULT_LIMITS;
/** Set once from the configuration (server start, CLI); programs keep the limits they were compiled with. */
export function setCelLimits(l: CelLimits) {
  limits = { maxNesting: l.maxNesting, maxCost: l.maxCost };
}

/** The budget of the evaluation running now: evaluation is synchronous, so there is one at a time. */
let meter: { left: number; max: number; exceeded: boolean } | null = null;
/**
 * False once the budget is spent. Then the evaluation's result is the budget error whatever it
 * computes, so the gates make the rest cheap (empty ranges, empty strings) instead of throwing:
 * an Error per refused loop would cost far more than the units it saves.
 */
function charge(units: number): boolean {
  if (!meter) return true;
  meter.left -= units;
  if (meter.left >= 0) return true;
  meter.exceeded = true;
  return false;
}
const budgetError = (max: number) => `CEL evaluation stopped: cost budget of ${max} exceeded (cel.maxCost)`;

/** Wraps every comprehension's range: charges its size × the loop body's cost before the loop runs. */
const RANGE_GATE = '@gw_range';
const NOTHING = celList([]);
const rangeGate = celFunc(RANGE_GATE, [CelScalar.DYN, CelScalar.INT], CelScalar.DYN, (range, body) => {
  const n = isCelList(range) || isCelMap(range) ? range.size : 0;
  return charge(Math.max(1, n) * Number(body)) ? range : NOTHING;
});

/** replace() and join() can multiply sizes (chained, exponentially): charge what they produce before building it. */
function replaceMetered(s: string, old: string, rep: string, n: number): string {
  if (n === 0) return s;
  const parts: string[] = [];
  if (old === '') {
    // Go / cel-go semantics: an empty old string matches before every code point and at the end.
    const chars = Array.from(s);
    const k = n < 0 ? chars.length + 1 : Math.min(n, chars.length + 1);
    parts.push('');
    for (let i = 0; i < k - 1; i++) parts.push(chars[i]);
    parts.push(chars.slice(k - 1).join(''));
  } else {
    let i = 0;
    for (let j = s.indexOf(old); j !== -1 && (n < 0 || parts.length < n); j = s.indexOf(old, i)) {
      parts.push(s.slice(i, j));
      i = j + old.length;
    }
    parts.push(s.slice(i));
  }
  return charge(s.length + (parts.length - 1) * rep.length) ? parts.join(rep) : '';
}
function joinMetered(list: CelList, sep: string): string {
  const items: string[] = [];
  for (const x of list) {
    if (typeof x !== 'string') throw new Error('join: list contains non-string value');
    items.push(x);
  }
  return charge(items.reduce((t, x) => t + x.length, 0) + Math.max(0, items.length - 1) * sep.length) ? items.join(sep) : '';
}
const STR = CelScalar.STRING;
const metered = [
  rangeGate,
  celMethod('replace', STR, [STR, STR], STR, function (old, rep) {
    return replaceMetered(this, old, rep, -1);
  }),
  celMethod('replace', STR, [STR, STR, CelScalar.INT], STR, function (old, rep, n) {
    return replaceMetered(this, old, rep, Number(n));
  }),
  celMethod('join', listType(CelScalar.DYN), [], STR, function () {
    return joinMetered(this, '');
  }),
  celMethod('join', listType(CelScalar.DYN), [STR], STR, function (sep) {
    return joinMetered(this, sep);
  }),
];
// Later functions with the same signature replace the extension's own.
const env = celEnv({ funcs: [...strings, ...metered] });

export function compileCel(source: string, variables: CelVariables, opts: { result?: CelDecl; limits?: CelLimits } = { result: 'bool' }): CelCompiled {
  if (source.length > MAX_SOURCE) return { ok: false, message: `expression longer than ${MAX_SOURCE} characters` };
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(source);
  } catch (e) {
    const err = e as { message: string; location?: { start?: { offset?: number } } };
    return { ok: false, message: `syntax: ${err.message.replace(/^<input>:\d+:\d+: /, '')}`, offset: err.location?.start?.offset };
  }
  const positions = (parsed.sourceInfo?.positions ?? {}) as Record<string, number>;
  const checker = new Checker(variables, positions);
  let type: T;
  try {
    type = checker.expr(parsed.expr);
  } catch (e) {
    if (e instanceof CheckError) return { ok: false, message: e.message, offset: e.offset };
    throw e;
  }
  const want = opts.result ? toT(opts.result) : null;
  if (want && !assignable(want, type)) return { ok: false, message: `expression gives ${show(type)}, expected ${show(want)}`, offset: 0 };
  const lim = opts.limits ?? limits;
  try {
    meterComprehensions(parsed.expr, lim, positions);
  } catch (e) {
    if (e instanceof CheckError) return { ok: false, message: e.message, offset: e.offset };
    throw e;
  }
  const run = plan(env, parsed);
  const program: CelProgram = {
    source,
    eval(bindings) {
      const outer = meter;
      const m = (meter = { left: lim.maxCost, max: lim.maxCost, exceeded: false });
      try {
        const v = run(bindings as never);
        // An exhausted budget is an error even where && or || absorbed it.
        if (m.exceeded) return { ok: false, error: budgetError(lim.maxCost) };
        if (isCelError(v)) return { ok: false, error: (v as { message?: string }).message ?? String(v) };
        return { ok: true, value: v };
      } catch (e) {
        return { ok: false, error: m.exceeded ? budgetError(lim.maxCost) : (e as Error).message };
      } finally {
        meter = outer;
      }
    },
    test(bindings) {
      const r = this.eval(bindings);
      return r.ok && r.value === true;
    },
  };
  return { ok: true, program };
}

// ---- cost: static worst case at load, gates for run time --------------------------------------

type PExpr = NonNullable<ReturnType<typeof parse>['expr']>;
type Comprehension = Extract<PExpr['exprKind'], { case: 'comprehensionExpr' }>['value'];

/** `full`: worst case of one evaluation (unknown ranges count as one element); `local`: without the iterations of comprehensions inside (their gates charge those). */
interface Cost {
  full: number;
  local: number;
}

/**
 * Refuse comprehensions nested deeper than `maxNesting` and expressions whose worst case over their
 * literal lists exceeds `maxCost` (at the comprehension's offset); then wrap every comprehension's
 * range in the run-time gate, in place (the AST is ours, freshly parsed).
 */
function meterComprehensions(root: PExpr | undefined, lim: CelLimits, positions: Record<string, number>) {
  if (!root) return;
  const gates: Array<{ c: Comprehension; body: number }> = [];
  let nextId = 0n;
  let firstAt: number | undefined;
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  const walk = (e: PExpr, depth: number): Cost => {
    if (e.id >= nextId) nextId = e.id + 1n;
    const sum = (xs: Array<PExpr | undefined>, d = depth): Cost =>
      xs.reduce<Cost>((t, x) => {
        if (!x) return t;
        const c = walk(x, d);
        return { full: t.full + c.full, local: t.local + c.local };
      }, { full: 1, local: 1 });
    const k = e.exprKind;
    switch (k.case) {
      case 'selectExpr':
        return sum([k.value.operand]);
      case 'callExpr':
        return sum([k.value.target, ...k.value.args]);
      case 'listExpr':
        return sum(k.value.elements);
      case 'structExpr':
        return sum(k.value.entries.flatMap((x) => [x.keyKind.case === 'mapKey' ? x.keyKind.value : undefined, x.value]));
      case 'comprehensionExpr': {
        const c = k.value;
        firstAt ??= positions[String(e.id)] ?? 0;
        if (depth + 1 > lim.maxNesting)
          throw new CheckError(`comprehensions (all, exists, exists_one, map, filter) nested ${depth + 1} deep; at most ${lim.maxNesting} (cel.maxNesting)`, positions[String(e.id)]);
        const once = sum([c.iterRange, c.accuInit, c.result]);
        const loop = sum([c.loopCondition, c.loopStep], depth + 1);
        const it = c.iterRange?.exprKind;
        const n = it?.case === 'listExpr' ? it.value.elements.length : it?.case === 'structExpr' ? it.value.entries.length : 1;
        const full = once.full + Math.max(1, n) * loop.full;
        if (full > lim.maxCost)
          throw new CheckError(
            `comprehension over ${fmt(n)} elements costs up to ${fmt(full)} (about ${fmt(loop.full)} per element), more than the budget of ${fmt(lim.maxCost)} (cel.maxCost)`,
            positions[String(e.id)],
          );
        gates.push({ c, body: Math.max(1, loop.local) });
        return { full, local: once.local };
      }
      default:
        return { full: 1, local: 1 };
    }
  };
  const total = walk(root, 0);
  if (total.full > lim.maxCost)
    throw new CheckError(`expression costs up to ${fmt(total.full)}, more than the budget of ${fmt(lim.maxCost)} (cel.maxCost)`, firstAt ?? 0);
  for (const { c, body } of gates) {
    if (!c.iterRange) continue;
    const id = nextId++;
    c.iterRange = {
      $typeName: 'cel.expr.Expr',
      id,
      exprKind: {
        case: 'callExpr',
        value: {
          $typeName: 'cel.expr.Expr.Call',
          function: RANGE_GATE,
          args: [c.iterRange, { $typeName: 'cel.expr.Expr', id: nextId++, exprKind: { case: 'constExpr', value: { $typeName: 'cel.expr.Constant', constantKind: { case: 'int64Value', value: BigInt(body) } } } }],
        },
      },
    };
  }
}

// ---- the checker ----------------------------------------------------------------------------

type T =
  | { k: 'string' | 'int' | 'uint' | 'double' | 'bool' | 'bytes' | 'null' | 'dyn' | 'timestamp' | 'duration' | 'type' }
  | { k: 'list'; e: T }
  | { k: 'map'; key: T; v: T }
  | { k: 'object'; name: string; fields: Record<string, CelDecl> };

const S = (k: Exclude<T['k'], 'list' | 'map' | 'object'>): T => ({ k });
const DYN = S('dyn');
const BOOL = S('bool');
const INT = S('int');
const STRING = S('string');

function toT(d: CelDecl): T {
  if (typeof d === 'string') return S(d);
  if ('list' in d) return { k: 'list', e: toT(d.list) };
  if ('map' in d) return { k: 'map', key: STRING, v: toT(d.map) };
  return { k: 'object', name: d.object, fields: d.fields };
}

function show(t: T): string {
  if (t.k === 'list') return `list(${show(t.e)})`;
  if (t.k === 'map') return `map(${show(t.key)}, ${show(t.v)})`;
  if (t.k === 'object') return t.name;
  return t.k;
}

const numeric = (t: T) => t.k === 'int' || t.k === 'uint' || t.k === 'double';
const isDyn = (t: T) => t.k === 'dyn';

/** Can a value of type `b` stand where `a` is expected? */
function assignable(a: T, b: T): boolean {
  if (isDyn(a) || isDyn(b)) return true;
  if (a.k === 'list' && b.k === 'list') return assignable(a.e, b.e);
  if (a.k === 'map' && b.k === 'map') return assignable(a.key, b.key) && assignable(a.v, b.v);
  if (a.k === 'object' && b.k === 'object') return a.name === b.name;
  return a.k === b.k;
}

/** Types two values can be compared as equal under (CEL compares numbers across int/uint/double). */
function comparable(a: T, b: T): boolean {
  if (isDyn(a) || isDyn(b) || a.k === 'null' || b.k === 'null') return true;
  if (numeric(a) && numeric(b)) return true;
  return assignable(a, b);
}

function join(a: T, b: T): T {
  if (isDyn(a)) return b.k === 'list' || b.k === 'map' ? b : DYN;
  return assignable(a, b) && !isDyn(b) ? a : DYN;
}

class CheckError extends Error {
  constructor(message: string, readonly offset?: number) {
    super(message);
  }
}

/** A parsed CEL expression (@bufbuild/cel's AST). */
type Expr = PExpr;

/** Functions (global or as methods) with their argument and result types: [receiver, ...args] → result. */
const METHODS: Record<string, { on: T['k'][]; args: T[]; result: T }> = {
  startsWith: { on: ['string'], args: [STRING], result: BOOL },
  endsWith: { on: ['string'], args: [STRING], result: BOOL },
  contains: { on: ['string'], args: [STRING], result: BOOL },
  matches: { on: ['string'], args: [STRING], result: BOOL },
  lowerAscii: { on: ['string'], args: [], result: STRING },
  upperAscii: { on: ['string'], args: [], result: STRING },
  trim: { on: ['string'], args: [], result: STRING },
  indexOf: { on: ['string'], args: [STRING], result: INT },
  lastIndexOf: { on: ['string'], args: [STRING], result: INT },
  substring: { on: ['string'], args: [INT], result: STRING },
  replace: { on: ['string'], args: [STRING, STRING], result: STRING },
  split: { on: ['string'], args: [STRING], result: { k: 'list', e: STRING } },
  charAt: { on: ['string'], args: [INT], result: STRING },
  /** `list.join()` or `list.join(", ")`. */
  join: { on: ['list'], args: [STRING], result: STRING },
};
const CONVERSIONS: Record<string, T> = { int: INT, uint: S('uint'), double: S('double'), string: STRING, bool: BOOL, bytes: S('bytes'), dyn: DYN, type: S('type'), timestamp: S('timestamp'), duration: S('duration') };

class Checker {
  private scopes: Array<Record<string, T>> = [];

  constructor(private readonly vars: CelVariables, private readonly positions: Record<string, number>) {}

  private fail(e: Expr | undefined, message: string): never {
    throw new CheckError(message, e ? this.positions[String(e.id)] : undefined);
  }

  private lookup(name: string): T | undefined {
    for (let i = this.scopes.length - 1; i >= 0; i--) if (name in this.scopes[i]) return this.scopes[i][name];
    const d = this.vars[name];
    return d === undefined ? undefined : toT(d);
  }

  /** `a.b.c` as text, for messages. */
  private dotted(e: Expr | undefined): string {
    if (!e) return '(expression)';
    if (e.exprKind.case === 'identExpr') return e.exprKind.value.name;
    if (e.exprKind.case === 'selectExpr') return `${this.dotted(e.exprKind.value.operand)}.${e.exprKind.value.field}`;
    return '(expression)';
  }

  /** Sub-expressions are optional in the protobuf AST; the parser always fills them. */
  expr(e: Expr | undefined): T {
    if (!e) throw new CheckError('incomplete expression');
    // Destructured once: TypeScript narrows `v` by `kind` in each case.
    const { case: kind, value: v } = e.exprKind;
    switch (kind) {
      case 'constExpr':
        switch (v.constantKind.case) {
          case 'boolValue':
            return BOOL;
          case 'int64Value':
            return INT;
          case 'uint64Value':
            return S('uint');
          case 'doubleValue':
            return S('double');
          case 'stringValue':
            return STRING;
          case 'bytesValue':
            return S('bytes');
          case 'nullValue':
            return S('null');
          default:
            return DYN;
        }
      case 'identExpr': {
        const t = this.lookup(v.name);
        if (!t) this.fail(e, `unknown variable ${v.name}${Object.keys(this.vars).length ? ` (declared: ${Object.keys(this.vars).join(', ')})` : ''}`);
        return t;
      }
      case 'selectExpr': {
        const on = this.expr(v.operand);
        let t: T;
        if (on.k === 'object') {
          const f = on.fields[v.field];
          if (f === undefined) this.fail(e, `${this.dotted(v.operand)} has no field ${v.field} (fields: ${Object.keys(on.fields).join(', ')})`);
          t = toT(f);
        } else if (on.k === 'map') t = on.v;
        else if (isDyn(on)) t = DYN;
        else this.fail(e, `cannot select .${v.field} on ${show(on)}`);
        return v.testOnly ? BOOL : t;
      }
      case 'listExpr': {
        let el: T | null = null;
        for (const x of v.elements as Expr[]) {
          const t = this.expr(x);
          el = el ? join(el, t) : t;
        }
        return { k: 'list', e: el ?? DYN };
      }
      case 'structExpr': {
        if (v.messageName) this.fail(e, `message construction (${v.messageName}) is not supported`);
        let key: T | null = null;
        let val: T | null = null;
        for (const entry of v.entries as Array<{ keyKind: { case: string; value: Expr }; value: Expr }>) {
          const kt = this.expr(entry.keyKind.value);
          const vt = this.expr(entry.value);
          key = key ? join(key, kt) : kt;
          val = val ? join(val, vt) : vt;
        }
        return { k: 'map', key: key ?? DYN, v: val ?? DYN };
      }
      case 'comprehensionExpr': {
        const range = this.expr(v.iterRange);
        const iter = range.k === 'list' ? range.e : range.k === 'map' ? range.key : isDyn(range) ? DYN : this.fail(v.iterRange, `cannot iterate over ${show(range)}`);
        const accu = this.expr(v.accuInit);
        this.scopes.push({ [v.iterVar]: iter, [v.accuVar]: accu });
        try {
          const cond = this.expr(v.loopCondition);
          if (!assignable(BOOL, cond)) this.fail(v.loopCondition, `condition gives ${show(cond)}, expected bool`);
          const step = this.expr(v.loopStep);
          this.scopes[this.scopes.length - 1][v.accuVar] = join(accu, step);
          return this.expr(v.result);
        } finally {
          this.scopes.pop();
        }
      }
      case 'callExpr':
        return this.call(e, v.function, v.target, v.args);
      default:
        this.fail(e, `unsupported expression`);
    }
  }

  private call(e: Expr, fn: string, target: Expr | undefined, args: Expr[]): T {
    const a = args.map((x) => this.expr(x));
    const need = (i: number, ok: boolean, what: string) => {
      if (!ok) this.fail(args[i] ?? e, `${opName(fn)}: ${what}, got ${show(a[i])}`);
    };
    switch (fn) {
      case '_&&_':
      case '_||_':
        a.forEach((t, i) => need(i, assignable(BOOL, t), 'expects bool operands'));
        return BOOL;
      case '!_':
        need(0, assignable(BOOL, a[0]), 'expects a bool');
        return BOOL;
      case '_==_':
      case '_!=_':
        if (!comparable(a[0], a[1])) this.fail(e, `cannot compare ${show(a[0])} with ${show(a[1])}`);
        return BOOL;
      case '_<_':
      case '_<=_':
      case '_>_':
      case '_>=_': {
        const ok = isDyn(a[0]) || isDyn(a[1]) || (numeric(a[0]) && numeric(a[1])) || (a[0].k === a[1].k && ['string', 'timestamp', 'duration', 'bytes', 'bool'].includes(a[0].k));
        if (!ok) this.fail(e, `cannot order ${show(a[0])} against ${show(a[1])}`);
        return BOOL;
      }
      case '_+_':
        if (a[0].k === 'list' && a[1].k === 'list') return { k: 'list', e: join(a[0].e, a[1].e) };
        if (isDyn(a[0]) || isDyn(a[1])) return DYN;
        if (a[0].k === a[1].k && ['int', 'uint', 'double', 'string', 'bytes', 'duration'].includes(a[0].k)) return a[0];
        if (a[0].k === 'timestamp' || a[1].k === 'timestamp') return S('timestamp');
        return this.fail(e, `cannot add ${show(a[0])} and ${show(a[1])}`);
      case '_-_':
      case '_*_':
      case '_/_':
      case '_%_':
        if (isDyn(a[0]) || isDyn(a[1])) return DYN;
        if (a[0].k === a[1].k && numeric(a[0])) return a[0];
        if (fn === '_-_' && (a[0].k === 'timestamp' || a[0].k === 'duration')) return a[1].k === 'timestamp' ? S('duration') : a[0];
        return this.fail(e, `${opName(fn)}: operands must be numbers of one type, got ${show(a[0])} and ${show(a[1])}`);
      case '-_':
        need(0, numeric(a[0]) || isDyn(a[0]), 'expects a number');
        return a[0];
      case '_?_:_':
        need(0, assignable(BOOL, a[0]), 'condition must be bool');
        return join(a[1], a[2]);
      case '_[_]':
        if (a[0].k === 'list') {
          need(1, a[1].k === 'int' || a[1].k === 'uint' || isDyn(a[1]), 'list index must be an int');
          return a[0].e;
        }
        if (a[0].k === 'map') {
          need(1, assignable(a[0].key, a[1]), `map key must be ${show(a[0].key)}`);
          return a[0].v;
        }
        if (a[0].k === 'object' && a[1].k === 'string') return DYN;
        if (isDyn(a[0])) return DYN;
        return this.fail(e, `cannot index ${show(a[0])}`);
      case '@in':
        if (a[1].k === 'list') {
          if (!comparable(a[0], a[1].e)) this.fail(e, `in: ${show(a[0])} can never be in ${show(a[1])}`);
          return BOOL;
        }
        if (a[1].k === 'map') {
          if (!comparable(a[0], a[1].key)) this.fail(e, `in: ${show(a[0])} can never be a key of ${show(a[1])}`);
          return BOOL;
        }
        if (isDyn(a[1])) return BOOL;
        return this.fail(e, `in: right side must be a list or a map, got ${show(a[1])}`);
      case 'size': {
        const on = target ? this.expr(target) : a[0];
        if (!on || !(['string', 'bytes', 'list', 'map', 'dyn'] as string[]).includes(on.k)) this.fail(e, `size() needs a string, list or map, got ${on ? show(on) : 'nothing'}`);
        return INT;
      }
      case 'has':
        return BOOL;
      case '@not_strictly_false': // inserted by the exists() and all() macros around the loop condition
        need(0, assignable(BOOL, a[0]), 'expects a bool');
        return BOOL;
    }
    if (!target && fn in CONVERSIONS) {
      if (a.length !== 1) this.fail(e, `${fn}() takes one argument`);
      return CONVERSIONS[fn];
    }
    const m = METHODS[fn];
    if (m && target) {
      const on = this.expr(target);
      if (!isDyn(on) && !m.on.includes(on.k)) this.fail(e, `${fn}() is not defined on ${show(on)}`);
      if (fn !== 'substring' && fn !== 'join' && a.length !== m.args.length) this.fail(e, `${fn}() takes ${m.args.length} argument(s), got ${a.length}`);
      a.forEach((t, i) => need(i, assignable(m.args[Math.min(i, m.args.length - 1)] ?? DYN, t), `argument ${i + 1} must be ${show(m.args[Math.min(i, m.args.length - 1)] ?? DYN)}`));
      return m.result;
    }
    this.fail(e, `unknown function ${fn}${target ? ' (as a method)' : ''}`);
  }
}

function opName(fn: string): string {
  const m = /^_(.+)_$/.exec(fn) ?? /^(.+)_$/.exec(fn);
  return m ? m[1] : fn;
}
