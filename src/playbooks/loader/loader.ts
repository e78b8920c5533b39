import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { Document, LineCounter, isAlias, isMap, isPair, isScalar, isSeq, parseAllDocuments, visit, type Node as YamlNode } from 'yaml';
import type { z } from 'zod';
import { API_VERSION, documentKinds, type KindDefinition, type KindIssue, type KindRegistry } from './kinds';

/** One problem, located: `file:line:col  path  message (hint)`. */
export interface LoadError {
  file: string;
  line: number;
  column: number;
  /** Dotted path inside the document (`steps[2].block.duration`), or '' for the document or file itself. */
  path: string;
  message: string;
  hint?: string;
}

export interface LoadedDocument<T = unknown> {
  file: string;
  /** Position of the document in its file (0-based) and where it starts. */
  index: number;
  line: number;
  column: number;
  kind: string;
  id: string | null;
  value: T;
  /** sha256 of the document's own text: a version id for run records. */
  hash: string;
  /** The document's own text (comments included), as written. */
  source: string;
}

export interface LoadResult<T = unknown> {
  documents: Array<LoadedDocument<T>>;
  errors: LoadError[];
}

export interface LoadOptions {
  registry?: KindRegistry;
  /** Only documents of these kinds are validated and returned; others are skipped silently. */
  kinds?: string[];
  maxBytes?: number;
  maxDocuments?: number;
  maxAliasCount?: number;
}

export const LOADER_LIMITS = { maxBytes: 256 * 1024, maxDocuments: 200, maxAliasCount: 16 };

/** Tags a document may carry explicitly: the YAML 1.2 core ones. Anything else (`!!binary`, `!foo`) is refused. */
const CORE_TAGS = new Set(['str', 'int', 'float', 'bool', 'null', 'map', 'seq'].map((t) => `tag:yaml.org,2002:${t}`));

export function formatLoadError(e: LoadError): string {
  return `${e.file}:${e.line}:${e.column}  ${e.path || '(document)'}  ${e.message}${e.hint ? ` (${e.hint})` : ''}`;
}

/** `['steps', 2, 'block']` → `steps[2].block`. */
export function formatPath(p: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const seg of p) out += typeof seg === 'number' ? `[${seg}]` : `${out ? '.' : ''}${String(seg)}`;
  return out;
}

/** Every document of every kind the options select, from YAML text. */
export function loadText<T = unknown>(text: string, file: string, opts: LoadOptions = {}): LoadResult<T> {
  const registry = opts.registry ?? documentKinds;
  const maxBytes = opts.maxBytes ?? LOADER_LIMITS.maxBytes;
  const errors: LoadError[] = [];
  const documents: Array<LoadedDocument<T>> = [];
  const at = (line: number, column: number, p: string, message: string, hint?: string) => errors.push({ file, line, column, path: p, message, ...(hint ? { hint } : {}) });

  if (Buffer.byteLength(text) > maxBytes) {
    at(1, 1, '', `file is larger than ${Math.round(maxBytes / 1024)} KiB`, 'split it into several files');
    return { documents, errors };
  }
  const lc = new LineCounter();
  const pos = (offset: number) => {
    const p = lc.linePos(offset);
    return { line: p.line, column: p.col };
  };
  const docs = parseAllDocuments(text, { lineCounter: lc, prettyErrors: true, uniqueKeys: true, strict: true, schema: 'core', resolveKnownTags: false });
  const list = Array.isArray(docs) ? docs : []; // an empty stream parses to a bare EmptyStream: nothing to load
  if (list.length > (opts.maxDocuments ?? LOADER_LIMITS.maxDocuments)) {
    at(1, 1, '', `too many documents in one file (${list.length}; at most ${opts.maxDocuments ?? LOADER_LIMITS.maxDocuments})`);
    return { documents, errors };
  }

  list.forEach((doc, index) => {
    const start = pos(doc.contents?.range?.[0] ?? doc.range?.[0] ?? 0);
    const problems = doc.errors.length + doc.warnings.length;
    for (const e of [...doc.errors, ...doc.warnings]) {
      const lp = e.linePos?.[0];
      const indent = lp ? explainIndentation(e.code, lp.line, text) : null;
      if (indent) {
        at(indent.line, indent.column, '', indent.message, indent.hint);
        break; // the errors after a misplaced line are consequences of it
      }
      at(lp?.line ?? start.line, lp?.col ?? start.column, '', e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, ''));
    }
    if (problems) return;
    if (doc.contents == null) return; // an empty document (e.g. a trailing ---)
    let badTag = false;
    visit(doc, {
      Node(_, node) {
        const tag = (node as { tag?: string }).tag;
        if (tag && !CORE_TAGS.has(tag)) {
          const p = pos(node.range?.[0] ?? 0);
          at(p.line, p.column, '', `tag ${tag} is not allowed`, 'only plain YAML values: strings, numbers, booleans, null, lists and maps');
          badTag = true;
        }
      },
    });
    if (badTag) return;
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: opts.maxAliasCount ?? LOADER_LIMITS.maxAliasCount });
    } catch (e) {
      at(start.line, start.column, '', (e as Error).message, 'anchors and aliases are limited; write the values out');
      return;
    }
    if (!value || typeof value !== 'object' || Array.isArray(value)) {
      at(start.line, start.column, '', 'a document must be a mapping with apiVersion and kind');
      return;
    }
    const rec = value as Record<string, unknown>;
    const kind = typeof rec.kind === 'string' ? rec.kind : null;
    if (opts.kinds && (!kind || !opts.kinds.includes(kind))) return;
    const locate = (p: ReadonlyArray<PropertyKey>, offset?: number) => locateIn(doc, p, lc, text, offset);
    if (rec.apiVersion !== API_VERSION) {
      const l = locate(rec.apiVersion === undefined ? [] : ['apiVersion']);
      at(l.line, l.column, 'apiVersion', rec.apiVersion === undefined ? 'missing' : `unsupported apiVersion ${JSON.stringify(rec.apiVersion)}`, `apiVersion: ${API_VERSION}`);
      return;
    }
    const def = kind ? registry.get(kind) : undefined;
    if (!def) {
      const l = locate(kind ? ['kind'] : []);
      at(l.line, l.column, 'kind', kind ? `unknown kind ${JSON.stringify(kind)}` : 'missing', `one of ${registry.kinds().join(', ') || '(none registered)'}`);
      return;
    }
    const { issues, fromSchema } = validateWith(def, value);
    if (issues.length) {
      for (const i of issues) {
        const l = locate(i.path, i.offset);
        const e = explainIssue(def, value, i, fromSchema);
        at(l.line, l.column, formatPath(i.path), e.message, e.hint ?? hintFor(def, i.path));
      }
      return;
    }
    const parsed = def.schema.parse(value) as T;
    const source = text.slice(doc.range[0], doc.range[2]);
    documents.push({
      file,
      index,
      line: start.line,
      column: start.column,
      kind: def.kind,
      id: def.idOf ? def.idOf(parsed) : null,
      value: parsed,
      hash: createHash('sha256').update(source).digest('hex'),
      source,
    });
    // Keep positions for later duplicate checks.
    idPositions.set(documents[documents.length - 1], locate(['id']));
  });
  return { documents, errors };
}

/** Where each loaded document's `id` is written (for duplicate reports across files). */
const idPositions = new WeakMap<object, { line: number; column: number }>();

/** Schema first; semantic checks only when the schema passed. */
function validateWith(def: KindDefinition, value: unknown): { issues: KindIssue[]; fromSchema: boolean } {
  const parsed = def.schema.safeParse(value);
  if (!parsed.success) return { issues: flattenIssues(parsed.error.issues), fromSchema: true };
  return { issues: def.check ? def.check(parsed.data) : [], fromSchema: false };
}

/** zod issues → loader issues: unknown keys point at each key, unions report their closest branch, "received undefined" reads "missing". */
export function flattenIssues(issues: z.core.$ZodIssue[], base: PropertyKey[] = []): KindIssue[] {
  const out: KindIssue[] = [];
  for (const i of issues) {
    const p = [...base, ...i.path] as Array<string | number>;
    if (i.code === 'unrecognized_keys') {
      for (const k of i.keys) out.push({ path: [...p, k], message: `unknown key ${JSON.stringify(k)}`, hint: 'check the spelling; unknown keys are refused' });
    } else if (i.code === 'invalid_union' && i.errors.length) {
      // The branch that got furthest (deepest first issue), then the one with fewest issues.
      const depth = (b: z.core.$ZodIssue[]) => Math.max(...b.map((x) => x.path.length));
      const best = [...i.errors].sort((a, b) => depth(b) - depth(a) || a.length - b.length)[0];
      if (depth(best) > 0) out.push(...flattenIssues(best, p));
      else out.push({ path: p, message: i.message });
    } else {
      let message = i.message.replace(/^Invalid input: /, '');
      if (/received undefined$/.test(message)) message = `missing (${message.replace(/, received undefined$/, '')})`;
      out.push({ path: p, message });
    }
  }
  return out;
}

/** The value at a path of the parsed document (undefined when absent). */
function valueAt(value: unknown, p: ReadonlyArray<PropertyKey>): unknown {
  let node = value;
  for (const seg of p) {
    if (!node || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[seg];
  }
  return node;
}

/** A `=` that is not part of `==`, `!=`, `<=`, `>=` (outside string literals). */
const SINGLE_EQUALS = /(^|[^=!<>])=(?!=)/;
const stripStrings = (cel: string) => cel.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""');

/**
 * Make an issue say what a newcomer needs: the closest known key for an unknown one, the value that
 * was given for a bad value (`"1 day"`), and that CEL compares with `==` when a lone `=` is there.
 */
function explainIssue(def: KindDefinition, doc: unknown, i: KindIssue, fromSchema: boolean): { message: string; hint?: string } {
  const last = i.path[i.path.length - 1];
  if (i.message.startsWith('unknown key') && typeof last === 'string') {
    const known = knownKeysAt(def.schema, i.path.slice(0, -1));
    // A key already written is not the one meant.
    const guess = closest(last, known.filter((k) => valueAt(doc, [...i.path.slice(0, -1), k]) === undefined));
    if (guess) return { message: i.message, hint: `did you mean "${guess}"?` };
    if (known.length && known.length <= 12) return { message: i.message, hint: `known keys here: ${known.join(', ')}` };
    return { message: i.message, hint: i.hint };
  }
  const given = valueAt(doc, i.path);
  if (typeof given === 'string' && /^(template: )?CEL: /.test(i.message)) {
    const cel = i.message.startsWith('template') ? [...given.matchAll(/\{\{([\s\S]*?)\}\}/g)].map((m) => m[1]).join(' ') : given;
    if (SINGLE_EQUALS.test(stripStrings(cel))) return { message: i.message, hint: `CEL compares with == (a single = is not an operator)${i.hint ? `; ${i.hint}` : ''}` };
    return { message: i.message, hint: i.hint };
  }
  // Rule messages ("a duration like 30s, …") do not show the value; zod's own ones ("expected number, received string", options) already say enough.
  const scalar = typeof given === 'string' || typeof given === 'number' || typeof given === 'boolean';
  const zodOwn = /^(missing|unknown key|expected |Invalid|Too (small|big)|template: )/.test(i.message);
  const durationKey = typeof last === 'string' && /duration|timeout|window|backoff|lookback|^max$|ttl/i.test(last);
  if ((fromSchema || durationKey) && scalar && !zodOwn && !i.message.includes(JSON.stringify(given)) && !i.message.includes(String(given)))
    return { message: `${i.message}, got ${JSON.stringify(given)}`, hint: i.hint };
  return { message: i.message, hint: i.hint };
}

type ZodDef = { type: string; shape?: Record<string, unknown>; innerType?: unknown; in?: unknown; element?: unknown; options?: unknown[]; valueType?: unknown; left?: unknown; right?: unknown; getter?: () => unknown; items?: unknown[] };
const defOf = (s: unknown): ZodDef | undefined => (s as { _zod?: { def?: ZodDef } } | undefined)?._zod?.def;

/** The schemas a value at a path may be checked against (several inside unions), wrappers removed. */
function schemasAt(schema: unknown, p: ReadonlyArray<PropertyKey>, depth = 0): unknown[] {
  const def = defOf(schema);
  if (!def || depth > 64) return [];
  switch (def.type) {
    case 'optional': case 'nullable': case 'default': case 'prefault': case 'readonly': case 'catch': case 'nonoptional':
      return schemasAt(def.innerType, p, depth + 1);
    case 'pipe':
      return schemasAt(def.in, p, depth + 1);
    case 'lazy':
      return def.getter ? schemasAt(def.getter(), p, depth + 1) : [];
    case 'union':
      return (def.options ?? []).flatMap((o) => schemasAt(o, p, depth + 1));
    case 'intersection':
      return [...schemasAt(def.left, p, depth + 1), ...schemasAt(def.right, p, depth + 1)];
  }
  if (!p.length) return [schema];
  const [seg, ...rest] = p;
  if (def.type === 'object' && def.shape && typeof seg === 'string' && seg in def.shape) return schemasAt(def.shape[seg], rest, depth + 1);
  if (def.type === 'array' && typeof seg === 'number') return schemasAt(def.element, rest, depth + 1);
  if (def.type === 'tuple' && typeof seg === 'number' && def.items?.[seg]) return schemasAt(def.items[seg], rest, depth + 1);
  if (def.type === 'record') return schemasAt(def.valueType, rest, depth + 1);
  return [];
}

/** Keys the schema knows for the mapping at a path. */
export function knownKeysAt(schema: unknown, p: ReadonlyArray<PropertyKey>): string[] {
  const keys = new Set<string>();
  for (const s of schemasAt(schema, p)) {
    const def = defOf(s);
    if (def?.type === 'object' && def.shape) for (const k of Object.keys(def.shape)) keys.add(k);
  }
  return [...keys];
}

/** Edit distance counting a swap of two neighbouring letters (`scpoe`) as one edit. */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.length][b.length];
}

/** The known key closest to a misspelt one, if it is close enough to be the one meant. */
export function closest(word: string, candidates: string[]): string | null {
  let best: string | null = null;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) [best, bestD] = [c, d];
  }
  return best !== null && bestD <= Math.max(1, Math.floor(Math.max(word.length, best.length) / 3)) ? best : null;
}

const leading = (line: string) => /^[ \t]*/.exec(line)![0].length;
const isContent = (line: string | undefined) => line !== undefined && line.trim() !== '' && !line.trim().startsWith('#');
/** Where a line's key starts: after its indentation and any `- ` list markers. */
const keyColumn = (line: string) => /^[ ]*(?:- +)*/.exec(line)![0].length;

/**
 * YAML's indentation errors, said in terms of indentation and placed on the line that is off:
 * yaml reports an over-indented line on the line above it ("Nested mappings are not allowed in
 * compact mappings") and an under-indented one as "All mapping items must start at the same column".
 */
export function explainIndentation(code: string, line: number, text: string): { line: number; column: number; message: string; hint: string } | null {
  const lines = text.split('\n');
  const hint = 'keys of one mapping start at the same column; indent with spaces, not tabs';
  if (code === 'TAB_AS_INDENT') return { line, column: 1, message: 'a tab in the indentation', hint: 'YAML indents with spaces only: replace the tab with spaces' };
  if (code === 'BLOCK_AS_IMPLICIT_KEY' || code === 'MULTILINE_IMPLICIT_KEY') {
    const here = lines[line - 1] ?? '';
    let next = line;
    while (next < lines.length && !isContent(lines[next])) next++;
    const nextLine = lines[next];
    if (nextLine === undefined || leading(nextLine) <= keyColumn(here)) return null;
    return {
      line: next + 1,
      column: leading(nextLine) + 1,
      message: `indentation: this line starts at column ${leading(nextLine) + 1}, deeper than line ${line} (column ${keyColumn(here) + 1}), which already has a value`,
      hint,
    };
  }
  if (code === 'BAD_INDENT' || code === 'MISSING_CHAR') {
    const here = lines[line - 1] ?? '';
    let prev = line - 2;
    while (prev >= 0 && !isContent(lines[prev])) prev--;
    if (prev < 0) return null;
    const above = keyColumn(lines[prev]);
    if (above === keyColumn(here)) return null;
    return {
      line,
      column: keyColumn(here) + 1,
      message: `indentation: this key starts at column ${keyColumn(here) + 1}, the key above it (line ${prev + 1}) at column ${above + 1}`,
      hint,
    };
  }
  return null;
}

function hintFor(def: KindDefinition, p: Array<string | number>): string | undefined {
  if (!def.hints) return undefined;
  const dotted = p.filter((s) => typeof s === 'string').join('.');
  for (const [suffix, hint] of Object.entries(def.hints)) if (dotted === suffix || dotted.endsWith('.' + suffix)) return hint;
  return undefined;
}

/**
 * The line and column of a path inside a document: the value node when it exists, else the key,
 * else the deepest ancestor that exists (a missing key is reported on its parent). With `offset`,
 * the position of that character inside the string value (CEL errors).
 */
export function locateIn(doc: Document, p: ReadonlyArray<PropertyKey>, lc: LineCounter, text: string, offset?: number): { line: number; column: number } {
  let node: unknown = doc.contents;
  let where = (node as YamlNode | null)?.range?.[0] ?? 0;
  let complete = true;
  for (const seg of p) {
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.find((it) => isPair(it) && (isScalar(it.key) ? String(it.key.value) : String(it.key)) === String(seg));
      if (!pair) {
        complete = false;
        break;
      }
      const keyNode = pair.key as YamlNode | null;
      const valueNode = pair.value as YamlNode | null;
      // Point at the key (the value may sit lines below it), except when a character inside the value is wanted.
      where = (offset != null ? (valueNode?.range?.[0] ?? keyNode?.range?.[0]) : (keyNode?.range?.[0] ?? valueNode?.range?.[0])) ?? where;
      node = valueNode;
    } else if (isSeq(node) && typeof seg === 'number' && node.items[seg]) {
      node = node.items[seg];
      where = (node as YamlNode).range?.[0] ?? where;
    } else {
      complete = false;
      break;
    }
  }
  const p0 = lc.linePos(where);
  if (!complete || offset == null || !isScalar(node)) return { line: p0.line, column: p0.col };
  const s = node;
  const before = String(s.value).slice(0, offset);
  if (s.type === 'PLAIN' || s.type === 'QUOTE_SINGLE' || s.type === 'QUOTE_DOUBLE') {
    if (before.includes('\n')) return { line: p0.line, column: p0.col };
    return { line: p0.line, column: p0.col + offset + (s.type === 'PLAIN' ? 0 : 1) };
  }
  // Block scalars: content starts on the line after the indicator, each line at the block's indentation.
  const lines = before.split('\n');
  const line = p0.line + lines.length;
  const lineStart = lc.lineStarts[line - 1];
  // The source line carries the block's indentation plus the value line's own leading spaces.
  const srcIndent = lineStart == null ? 0 : /^ */.exec(text.slice(lineStart, lineStart + 200))![0].length;
  const valueLine = String(s.value).split('\n')[lines.length - 1] ?? '';
  const ownIndent = /^ */.exec(valueLine)![0].length;
  return { line, column: srcIndent - ownIndent + lines[lines.length - 1].length + 1 };
}

/** Load one file; read errors are load errors of that file. */
export function loadFile<T = unknown>(file: string, opts: LoadOptions = {}): LoadResult<T> {
  let text: string;
  try {
    const st = statSync(file);
    const max = opts.maxBytes ?? LOADER_LIMITS.maxBytes;
    if (st.size > max) return { documents: [], errors: [{ file, line: 1, column: 1, path: '', message: `file is larger than ${Math.round(max / 1024)} KiB`, hint: 'split it into several files' }] };
    text = readFileSync(file, 'utf8');
  } catch (e) {
    return { documents: [], errors: [{ file, line: 1, column: 1, path: '', message: `cannot read: ${(e as Error).message}` }] };
  }
  return loadText<T>(text, file, opts);
}

/** YAML files under a path (itself if a file), sorted, hidden entries skipped. */
export function yamlFiles(p: string): string[] {
  const st = statSync(p);
  if (st.isFile()) return [p];
  const out: string[] = [];
  for (const e of readdirSync(p, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (e.name.startsWith('.')) continue;
    const full = path.join(p, e.name);
    if (e.isDirectory()) out.push(...yamlFiles(full));
    else if (e.isFile() && /\.ya?ml$/i.test(e.name)) out.push(full);
  }
  return out;
}

/**
 * Load files and directories (recursively). Documents with the same kind and id are reported as
 * duplicates at the later one. A missing path is an error, not an exception.
 */
export function loadPaths<T = unknown>(paths: string[], opts: LoadOptions = {}): LoadResult<T> {
  const documents: Array<LoadedDocument<T>> = [];
  const errors: LoadError[] = [];
  for (const p of paths) {
    let files: string[];
    try {
      files = yamlFiles(p);
    } catch (e) {
      errors.push({ file: p, line: 1, column: 1, path: '', message: `cannot read: ${(e as Error).message}` });
      continue;
    }
    for (const f of files) {
      const r = loadFile<T>(f, opts);
      documents.push(...r.documents);
      errors.push(...r.errors);
    }
  }
  return dedupe(documents, errors);
}

/** Keep the first document of each (kind, id); report the others. */
export function dedupe<T>(documents: Array<LoadedDocument<T>>, errors: LoadError[]): LoadResult<T> {
  const seen = new Map<string, LoadedDocument<T>>();
  const kept: Array<LoadedDocument<T>> = [];
  for (const d of documents) {
    if (d.id == null) {
      kept.push(d);
      continue;
    }
    const key = `${d.kind}\0${d.id}`;
    const first = seen.get(key);
    if (first) {
      const p = idPositions.get(d) ?? { line: d.line, column: d.column };
      errors.push({ file: d.file, line: p.line, column: p.column, path: 'id', message: `duplicate ${d.kind} id ${JSON.stringify(d.id)}`, hint: `first defined at ${first.file}:${first.line}:${first.column}` });
      continue;
    }
    seen.set(key, d);
    kept.push(d);
  }
  return { documents: kept, errors };
}
