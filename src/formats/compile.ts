import iconv from 'iconv-lite';
import { canonicalIp, parsePort, splitAddrPort, transportName } from '../normalize/ip';
import { ok, reject, skip, type AlertParser, type ParseContext, type ParseResult, type ParsedAlert } from '../normalize/parser';
import { fromPriority, fromSyslog, fromTenScale, fromWord } from '../normalize/severity';
import { parseDatePattern, parseEpoch, parseIsoLike, receivedTime, zoneOffset, type TimeResult } from '../normalize/time';
import { expandGrok, GrokError, groupName } from './grok';
import { MAP_TARGETS, type Extract, type FieldSpec, type LogFormatDoc, type MapEntry, type MapTarget } from './logformat.schema';
import { checkRegexSafety } from './regex-safety';
import { closest } from '../playbooks/loader/loader';

/** A problem with a definition, at a path of the document (and an offset inside a string value). */
export interface CompileIssue {
  path: Array<string | number>;
  message: string;
  hint?: string;
  offset?: number;
}

/** A compiled format: the parser the normalizer runs, plus what the API lists. */
export interface CompiledFormat extends AlertParser {
  readonly doc: LogFormatDoc;
}

type Fields = Map<string, string>;

/** Built-in action words (docs/formats.md#action); a format adds its own with `allowed:`/`blocked:`. */
const BLOCKED_WORDS = ['dropped', 'drop', 'blocked', 'block', 'deny', 'denied', 'reset', 'reset-client', 'reset-server', 'clear_session', 'close', 'reject', 'rejected', 'quarantine', 'ban', '차단', '거부', '드롭', '폐기'];
const ALLOWED_WORDS = ['pass', 'passthrough', 'accept', 'accepted', 'allowed', 'allow', 'detected', 'detect', 'monitored', 'monitor', 'permit', 'permitted', 'alert', '허용', '통과', '탐지'];

interface Op {
  target: MapTarget;
  refs: string[] | null;
  join: string | null;
  constant: string | null;
  dflt: string | null;
  nulls: ReadonlySet<string>;
  charset: 'euc-kr' | 'cp949' | null;
  lower: boolean;
  pick: RegExp | null;
  table: Map<string, string | number> | null;
  scale: FieldSpec['scale'] | null;
  allowed: ReadonlySet<string>;
  blocked: ReadonlySet<string>;
  layout: string | null;
  timezone: string | null;
  timezoneRef: string | null;
  hostPort: 'ip' | 'port' | null;
  protocolNames: boolean;
  template: Array<string | { ref: string }> | null;
  /** The name errors give the field: the first `from`, else the target. */
  label: string;
}

type Cond = { ref: string; kind: 'in'; values: ReadonlySet<string> } | { ref: string; kind: 'regex'; re: RegExp } | { ref: string; kind: 'present'; want: boolean };

interface CompiledCase {
  when: Cond[];
  ops: Map<MapTarget, Op[]>;
  skip: string | null;
  reject: string | null;
}

const TARGETS: ReadonlySet<string> = new Set(MAP_TARGETS);

function closestTarget(name: string): string | null {
  const near = closest(name, [...MAP_TARGETS]);
  if (near) return near;
  const base = name.replace(/_/g, '.').toLowerCase();
  for (const t of MAP_TARGETS) if (t === base || t.replace('.', '') === base.replace('.', '')) return t;
  for (const t of MAP_TARGETS) if (t.endsWith('.' + base) || base.endsWith(t)) return t;
  return null;
}

/** Compile a regex written in a format: syntax and the ReDoS check, each an issue at `path`. */
function compileRegex(src: string, flags: string, path: Array<string | number>, issues: CompileIssue[], written = true): RegExp | null {
  const unsafe = checkRegexSafety(src);
  if (unsafe) {
    // An offset into an expanded grok expression means nothing in the file: point at the value then.
    issues.push({ path, message: `regex refused: ${unsafe.message}`, ...(written ? { offset: unsafe.offset } : {}), hint: 'rewrite without a repeated group that repeats inside (e.g. [^"]* instead of (?:[^"\\\\]|\\\\.)*)' });
    return null;
  }
  try {
    return new RegExp(src, flags);
  } catch (e) {
    issues.push({ path, message: `bad regex: ${(e as Error).message.replace(/^Invalid regular expression: /, '')}` });
    return null;
  }
}

// ---- extraction ----

interface Extractor {
  /** Fill `fields` from the line; an error string rejects the line. */
  run(line: string, fields: Fields): string | null;
  /** Names the extractor can produce, when known (regex groups, csv header), for checking `from:`. */
  names: ReadonlySet<string> | null;
  /** How a `from:` name is looked up (grok `source.ip` → group `source_ip`). */
  ref(name: string): string;
}

function regexExtractor(re: RegExp, names: string[]): Extractor {
  return {
    names: new Set(names),
    ref: groupName,
    run(line, fields) {
      const m = re.exec(line);
      if (!m || !m.groups) return 'line does not match the format\'s pattern';
      const g = m.groups;
      for (const n of names) {
        const v = g[n];
        if (v !== undefined) fields.set(n, v);
      }
      return null;
    },
  };
}

/** key=value pairs: values bare (up to the separator) or quoted (backslash escapes the quote and itself); the first of a repeated key counts. */
function kvExtractor(opt: { separator: string; pairSeparator: string; quote: string }): Extractor {
  const sep = opt.separator === '\\t' ? '\t' : opt.separator;
  const eq = opt.pairSeparator;
  const q = opt.quote;
  // Single characters (the usual case) are compared by code: this loop is the format's hot path.
  const spaceSep = sep === ' ';
  const sepCode = sep.length === 1 ? sep.charCodeAt(0) : -1;
  const eqCode = eq.length === 1 ? eq.charCodeAt(0) : -1;
  const qCode = q ? q.charCodeAt(0) : -1;
  const isSep = (line: string, i: number) => {
    const c = line.charCodeAt(i);
    if (spaceSep) return c === 32 || c === 9;
    return sepCode >= 0 ? c === sepCode : line.startsWith(sep, i);
  };
  const isEq = (line: string, i: number) => (eqCode >= 0 ? line.charCodeAt(i) === eqCode : line.startsWith(eq, i));
  const sepLen = spaceSep ? 1 : sep.length;
  return {
    names: null,
    ref: (n) => n,
    run(line, fields) {
      const n = line.length;
      let i = 0;
      while (i < n) {
        while (i < n && isSep(line, i)) i += sepLen;
        if (i >= n) break;
        const start = i;
        while (i < n && !isEq(line, i) && !isSep(line, i)) i++;
        if (i >= n || !isEq(line, i)) continue; // a stray word: not a pair
        const key = line.slice(start, i);
        i += eq.length;
        let value: string;
        if (qCode >= 0 && line.charCodeAt(i) === qCode) {
          i++;
          let buf = '';
          let from = i;
          let closed = false;
          for (; i < n; i++) {
            const c = line.charCodeAt(i);
            if (c === 92 /* \\ */ && (line.charCodeAt(i + 1) === qCode || line.charCodeAt(i + 1) === 92)) {
              buf += line.slice(from, i) + line[i + 1];
              i++;
              from = i + 1;
            } else if (c === qCode) {
              closed = true;
              break;
            }
          }
          if (!closed) return `field ${key || '(empty key)'}: unterminated quoted value (truncated line?)`;
          value = buf + line.slice(from, i);
          i++;
        } else {
          const s = i;
          while (i < n && !isSep(line, i)) i++;
          value = line.slice(s, i);
        }
        if (key && !fields.has(key)) fields.set(key, value);
      }
      return fields.size ? null : 'no key=value pairs';
    },
  };
}

/** Delimited columns named by `header`; `$N` names column N (0-based) for rows whose layout varies. Quoted fields may hold the delimiter. */
function csvExtractor(opt: { header: string[]; delimiter: string; quote: string }): Extractor {
  const { header, delimiter: d, quote: q } = opt;
  const names = new Set([...header, ...Array.from({ length: 256 }, (_, i) => `$${i}`)]);
  return {
    names,
    ref: (n) => n,
    run(line, fields) {
      let col = 0;
      let i = 0;
      const n = line.length;
      while (i <= n && col < 256) {
        let value: string;
        if (q && line[i] === q) {
          let j = i + 1;
          let buf = '';
          for (;;) {
            const k = line.indexOf(q, j);
            if (k < 0) return `column ${col + 1}: unterminated quoted value (truncated line?)`;
            buf += line.slice(j, k);
            if (line[k + 1] === q) {
              buf += q;
              j = k + 2;
            } else {
              j = k + 1;
              break;
            }
          }
          value = buf;
          i = j;
          if (i < n && line[i] !== d) return `column ${col + 1}: text after a closing quote`;
        } else {
          const k = line.indexOf(d, i);
          const end = k < 0 ? n : k;
          value = line.slice(i, end);
          i = end;
        }
        if (col < header.length) fields.set(header[col], value);
        fields.set(`$${col}`, value);
        col++;
        if (i >= n) break;
        i++; // the delimiter
        if (i === n) {
          // a trailing delimiter: one more empty column
          if (col < header.length) fields.set(header[col], '');
          fields.set(`$${col}`, '');
          break;
        }
      }
      return null;
    },
  };
}

function jsonExtractor(paths: Record<string, string>): Extractor {
  const list = Object.entries(paths).map(([name, p]) => ({ name, steps: p.split('.') }));
  return {
    names: new Set(Object.keys(paths)),
    ref: (n) => n,
    run(line, fields) {
      let doc: unknown;
      try {
        doc = JSON.parse(line);
      } catch (e) {
        return `invalid JSON: ${(e as Error).message.slice(0, 80)}`;
      }
      if (!doc || typeof doc !== 'object') return 'not a JSON object';
      for (const { name, steps } of list) {
        let v: unknown = doc;
        for (const s of steps) {
          if (v == null || typeof v !== 'object') {
            v = undefined;
            break;
          }
          v = (v as Record<string, unknown>)[s];
        }
        if (typeof v === 'string') fields.set(name, v);
        else if (typeof v === 'number' || typeof v === 'boolean') fields.set(name, String(v));
      }
      return null;
    },
  };
}

function compileExtract(x: Extract, issues: CompileIssue[]): Extractor | null {
  if ('regex' in x) {
    const re = compileRegex(x.regex, '', ['extract', 'regex'], issues);
    if (!re) return null;
    const names = [...x.regex.matchAll(/\(\?<([A-Za-z_][A-Za-z0-9_]*)>/g)].map((m) => m[1]);
    if (!names.length) issues.push({ path: ['extract', 'regex'], message: 'the regex has no named groups: name each field, (?<srcip>\\S+)' });
    return regexExtractor(re, names);
  }
  if ('grok' in x) {
    let expanded: { source: string; fields: string[] };
    try {
      expanded = expandGrok(x.grok, x.patterns ?? {});
    } catch (e) {
      if (e instanceof GrokError) issues.push({ path: ['extract', 'grok'], message: e.message, offset: e.offset, hint: 'base patterns: IP, INT, WORD, DATA, GREEDYDATA, TIMESTAMP_ISO8601, SYSLOGTIMESTAMP … (docs/formats.md#grok); define others under patterns:' });
      else issues.push({ path: ['extract', 'grok'], message: (e as Error).message });
      return null;
    }
    const re = compileRegex(expanded.source, '', ['extract', 'grok'], issues, false);
    if (!re) return null;
    const names = [...expanded.fields, ...[...x.grok.matchAll(/\(\?<([A-Za-z_][A-Za-z0-9_]*)>/g)].map((m) => m[1])];
    if (!names.length) issues.push({ path: ['extract', 'grok'], message: 'the grok expression captures nothing: write %{PATTERN:field}' });
    return regexExtractor(re, names);
  }
  if ('kv' in x) return kvExtractor(x.kv);
  if ('csv' in x) return csvExtractor(x.csv);
  return jsonExtractor(x.json.paths);
}

// ---- map ----

function compileSpec(target: MapTarget, spec: FieldSpec, ex: Extractor, docNulls: string[], path: Array<string | number>, issues: CompileIssue[], shorthand = false): Op {
  const refs = spec.from === undefined ? null : (Array.isArray(spec.from) ? spec.from : [spec.from]).map((r) => ex.ref(r));
  const checkRef = (name: string, p: Array<string | number>) => {
    if (ex.names && !ex.names.has(ex.ref(name))) issues.push({ path: p, message: `unknown extracted field ${JSON.stringify(name)}`, hint: `the extractor gives: ${[...ex.names].filter((n) => !n.startsWith('$')).join(', ') || '(none)'}` });
  };
  if (spec.from !== undefined) (Array.isArray(spec.from) ? spec.from : [spec.from]).forEach((r, i) => checkRef(r, shorthand ? path : Array.isArray(spec.from) ? [...path, 'from', i] : [...path, 'from']));
  if (spec.from === undefined && spec.value === undefined && spec.template === undefined) issues.push({ path, message: 'needs from:, value: or template:' });
  const only = (key: keyof FieldSpec, allowed: MapTarget[]) => {
    if (spec[key] !== undefined && !allowed.includes(target)) issues.push({ path: [...path, key], message: `${key} applies to ${allowed.join(', ')} only, not ${target}` });
  };
  only('scale', ['severity']);
  only('allowed', ['action']);
  only('blocked', ['action']);
  only('layout', ['timestamp']);
  only('timezone', ['timestamp']);
  only('timezoneFrom', ['timestamp']);
  only('protocolNames', ['transport']);
  only('hostPort', ['source.ip', 'source.port', 'destination.ip', 'destination.port']);
  if (target === 'action' && spec.value !== undefined && !['allowed', 'blocked', 'unknown'].includes(String(spec.value)))
    issues.push({ path: [...path, 'value'], message: `action value must be allowed, blocked or unknown, got ${JSON.stringify(spec.value)}` });
  if (target === 'severity' && spec.map)
    for (const [k, v] of Object.entries(spec.map))
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 6) issues.push({ path: [...path, 'map', k], message: `severity map values are OCSF ids 0–6, got ${JSON.stringify(v)}` });
  if (target === 'severity' && spec.value !== undefined && !/^[0-6]$/.test(String(spec.value))) issues.push({ path: [...path, 'value'], message: `a severity value is an OCSF id 0–6, got ${JSON.stringify(spec.value)}` });
  if (spec.layout && !['epoch', 'iso'].includes(spec.layout)) {
    const letters = spec.layout.replace(/'[^']*'/g, '').match(/[A-Za-z]/g) ?? [];
    const bad = letters.find((c) => !'yuMLdHkhKmsSaEzZXxO'.includes(c));
    if (bad || !letters.length) issues.push({ path: [...path, 'layout'], message: `unsupported layout ${JSON.stringify(spec.layout)}${bad ? `: letter ${bad}` : ''}`, hint: "epoch, iso, or a pattern of y M d H h m s S a E z and 'quoted' text (yyyy-MM-dd HH:mm:ss)" });
  }
  if (spec.timezoneFrom) checkRef(spec.timezoneFrom, [...path, 'timezoneFrom']);
  let template: Op['template'] = null;
  if (spec.template) {
    template = [];
    const re = /\{([^{}]+)\}/g;
    let last = 0;
    for (const m of spec.template.matchAll(re)) {
      if (m.index > last) template.push(spec.template.slice(last, m.index));
      checkRef(m[1], [...path, 'template']);
      template.push({ ref: ex.ref(m[1]) });
      last = m.index + m[0].length;
    }
    if (last < spec.template.length) template.push(spec.template.slice(last));
  }
  const lowerKeys = (m: Record<string, string | number>) => new Map(Object.entries(m).map(([k, v]) => [k.toLowerCase(), v]));
  return {
    target,
    refs,
    join: spec.join ?? null,
    constant: spec.value === undefined ? null : String(spec.value),
    dflt: spec.default === undefined ? null : String(spec.default),
    nulls: new Set([...docNulls, ...(spec.nulls ?? [])]),
    charset: spec.charset ?? null,
    lower: spec.lower ?? false,
    pick: spec.pick ? compileRegex(spec.pick, '', [...path, 'pick'], issues) : null,
    table: spec.map ? lowerKeys(spec.map) : null,
    scale: spec.scale ?? null,
    allowed: new Set([...ALLOWED_WORDS, ...(spec.allowed ?? []).map((w) => w.toLowerCase())]),
    blocked: new Set([...BLOCKED_WORDS, ...(spec.blocked ?? []).map((w) => w.toLowerCase())]),
    layout: spec.layout ?? null,
    timezone: spec.timezone ?? null,
    timezoneRef: spec.timezoneFrom ? ex.ref(spec.timezoneFrom) : null,
    hostPort: spec.hostPort ?? null,
    protocolNames: spec.protocolNames ?? true,
    template,
    label: spec.from === undefined ? target : Array.isArray(spec.from) ? spec.from[0] : spec.from,
  };
}

function compileMap(map: Record<string, MapEntry>, ex: Extractor, docNulls: string[], base: Array<string | number>, issues: CompileIssue[]): Map<MapTarget, Op[]> {
  const out = new Map<MapTarget, Op[]>();
  for (const [target, entry] of Object.entries(map)) {
    const path = [...base, target];
    if (!TARGETS.has(target)) {
      const guess = closestTarget(target);
      issues.push({ path, message: `unknown normalized field ${JSON.stringify(target)}`, hint: guess ? `did you mean "${guess}"?` : `one of ${MAP_TARGETS.join(', ')}` });
      continue;
    }
    const t = target as MapTarget;
    const specs: FieldSpec[] = typeof entry === 'string' ? [{ from: entry }] : Array.isArray(entry) ? entry : [entry];
    out.set(t, specs.map((s, i) => compileSpec(t, s, ex, docNulls, Array.isArray(entry) ? [...path, i] : path, issues, typeof entry === 'string')));
  }
  return out;
}

// ---- run time ----

/** Percent-encoded or Latin-1-mangled Korean text (bytes read one per character) → text. */
function decodeCharset(v: string, charset: 'euc-kr' | 'cp949'): string {
  if (/%[0-9A-Fa-f]{2}/.test(v)) {
    const bytes: number[] = [];
    for (let i = 0; i < v.length; i++) {
      if (v[i] === '%' && /^[0-9A-Fa-f]{2}$/.test(v.slice(i + 1, i + 3))) {
        bytes.push(parseInt(v.slice(i + 1, i + 3), 16));
        i += 2;
      } else bytes.push(...Buffer.from(v[i], 'utf8'));
    }
    return iconv.decode(Buffer.from(bytes), charset);
  }
  // Only characters U+0080..U+00FF beside ASCII: the bytes were read as Latin-1.
  let high = false;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c > 0xff) return v;
    if (c >= 0x80) high = true;
  }
  if (high) return iconv.decode(Buffer.from(v, 'latin1'), charset);
  return v;
}

function readRef(fields: Fields, ref: string, nulls: ReadonlySet<string>): string | null {
  const v = fields.get(ref);
  return v === undefined || v === '' || nulls.has(v) ? null : v;
}

/** The text an op yields before typing: from/join/template/constant, then charset, lower, pick. */
function rawOf(op: Op, fields: Fields): string | null {
  let v: string | null = null;
  if (op.template) {
    let s = '';
    for (const part of op.template) s += typeof part === 'string' ? part : (readRef(fields, part.ref, op.nulls) ?? '');
    v = s;
  } else if (op.refs) {
    if (op.join !== null) {
      let s: string | null = null;
      for (const r of op.refs) {
        const x = readRef(fields, r, op.nulls);
        if (x !== null) s = s === null ? x : s + op.join + x;
      }
      v = s;
    } else
      for (const r of op.refs) {
        v = readRef(fields, r, op.nulls);
        if (v !== null) break;
      }
  }
  if (v === null && op.target !== 'action' && op.target !== 'severity') v = op.constant;
  if (v === null) v = op.dflt;
  if (v === null) return null;
  if (op.charset) v = decodeCharset(v, op.charset);
  if (op.lower) v = v.toLowerCase();
  if (op.pick) {
    const m = op.pick.exec(v);
    v = m ? (m[1] ?? m[0]) : null;
  }
  return v;
}

function mappedText(op: Op, v: string | null): string | null {
  if (v === null || !op.table) return v;
  const hit = op.table.get(v.toLowerCase());
  return hit === undefined ? v : String(hit);
}

function severityOf(op: Op, fields: Fields): { id: number; raw: string | null } | null {
  const raw = rawOf(op, fields);
  if (raw === null) return op.constant !== null ? { id: Number(op.constant), raw: null } : null;
  if (op.table) {
    const hit = op.table.get(raw.toLowerCase());
    if (hit !== undefined) return { id: Number(hit), raw };
  }
  switch (op.scale) {
    case 'words': return { id: fromWord(raw), raw };
    case 'syslog': return { id: fromSyslog(raw), raw };
    case 'ten': return { id: fromTenScale(raw), raw };
    case 'priority': return { id: fromPriority(Number(raw)), raw };
    default: return { id: /^[0-6]$/.test(raw.trim()) ? Number(raw.trim()) : 0, raw };
  }
}

function actionOf(op: Op, fields: Fields): { value: 'allowed' | 'blocked' | 'unknown'; raw: string | null } | null {
  const raw = rawOf(op, fields);
  if (op.constant !== null) return { value: op.constant as 'allowed' | 'blocked' | 'unknown', raw };
  if (raw === null) return null;
  const mapped = op.table?.get(raw.toLowerCase());
  if (mapped === 'allowed' || mapped === 'blocked' || mapped === 'unknown') return { value: mapped, raw };
  const w = raw.toLowerCase();
  return { value: op.blocked.has(w) ? 'blocked' : op.allowed.has(w) ? 'allowed' : 'unknown', raw };
}

const offsetText = (min: number) => `${min < 0 ? '-' : '+'}${String(Math.floor(Math.abs(min) / 60)).padStart(2, '0')}:${String(Math.abs(min) % 60).padStart(2, '0')}`;

/** A timestamp, or an error naming the field; null when the op yields no text. */
function timeOf(op: Op, fields: Fields, ctx: ParseContext): TimeResult | { error: string } | null {
  const text = rawOf(op, fields);
  if (text === null) return null;
  let zone = op.timezone ?? ctx.timezone;
  let explicit = false;
  if (op.timezoneRef) {
    const off = zoneOffset(readRef(fields, op.timezoneRef, op.nulls));
    if (off !== null) [zone, explicit] = [offsetText(off), true];
  }
  let t: TimeResult | null;
  if (op.layout === 'epoch') t = parseEpoch(text);
  else if (op.layout === 'iso' || op.layout === null) t = parseIsoLike(text, zone) ?? (op.layout === null ? parseEpoch(text) : null);
  else t = parseDatePattern(text, op.layout, { receivedAt: ctx.receivedAt, timezone: zone });
  if (!t) return { error: `field ${op.label}: unreadable time ${JSON.stringify(text.slice(0, 40))}${op.layout ? ` (layout ${op.layout})` : ''}` };
  return explicit && t.zone === 'configured' ? { iso: t.iso, zone: 'explicit' } : t;
}

function endpointOf(op: Op, fields: Fields, port: boolean): string | number | null {
  const v = rawOf(op, fields);
  if (v === null) return null;
  if (op.hostPort) {
    const hp = splitAddrPort(v);
    return port ? hp.port : hp.ip;
  }
  return port ? parsePort(v) : canonicalIp(v);
}

function holds(c: Cond, fields: Fields, nulls: ReadonlySet<string>): boolean {
  const v = readRef(fields, c.ref, nulls);
  if (c.kind === 'present') return (v !== null) === c.want;
  if (v === null) return false;
  return c.kind === 'in' ? c.values.has(v.toLowerCase()) : c.re.test(v);
}

/** Compile a validated document; issues name the path (and offset) of each problem. */
export function compileFormat(doc: LogFormatDoc): { format: CompiledFormat | null; issues: CompileIssue[] } {
  const issues: CompileIssue[] = [];
  const ex = compileExtract(doc.extract, issues);
  const match = doc.match ?? {};
  const matchRe = match.regex ? compileRegex(match.regex, '', ['match', 'regex'], issues) : null;
  if (!ex) return { format: null, issues };
  const nulls = new Set(doc.nulls);
  const baseOps = compileMap(doc.map, ex, doc.nulls, ['map'], issues);
  if (!baseOps.has('source.ip') && !(doc.cases ?? []).some((c) => c.map?.['source.ip'])) issues.push({ path: ['map'], message: 'source.ip is not mapped: every alert needs a source IP', hint: 'source.ip: <the field holding the source address>' });
  const cases: CompiledCase[] = (doc.cases ?? []).map((c, i) => {
    const when: Cond[] = Object.entries(c.when ?? {}).flatMap(([name, cond]): Cond[] => {
      const p = ['cases', i, 'when', name];
      if (ex.names && !ex.names.has(ex.ref(name))) issues.push({ path: p, message: `unknown extracted field ${JSON.stringify(name)}` });
      const ref = ex.ref(name);
      if (typeof cond === 'string') return [{ ref, kind: 'in', values: new Set([cond.toLowerCase()]) }];
      if (Array.isArray(cond)) return [{ ref, kind: 'in', values: new Set(cond.map((v) => v.toLowerCase())) }];
      if ('regex' in cond) {
        const re = compileRegex(cond.regex, 'i', [...p, 'regex'], issues);
        return re ? [{ ref, kind: 'regex', re }] : [];
      }
      return [{ ref, kind: 'present', want: cond.present }];
    });
    const ops = c.map ? compileMap(c.map, ex, doc.nulls, ['cases', i, 'map'], issues) : new Map<MapTarget, Op[]>();
    if (c.skip && c.reject) issues.push({ path: ['cases', i], message: 'a case either skips or rejects, not both' });
    return { when, ops, skip: c.skip ?? null, reject: c.reject ?? null };
  });
  if (issues.length) return { format: null, issues };

  const id = doc.metadata.id;
  const vendor = doc.metadata.vendor;
  const product = doc.metadata.product ?? doc.metadata.name;
  const maxLen = doc.maxLineLength;
  const hasMatch = match.program !== undefined || match.prefix !== undefined || matchRe !== null;
  const fields: Fields = new Map(); // reused: parse is synchronous
  const extractor = ex;

  const pick = (c: CompiledCase | null, t: MapTarget): Op[] | undefined => c?.ops.get(t) ?? baseOps.get(t);

  const parse = (line: string, ctx: ParseContext): ParseResult => {
    if (line.length > maxLen) return reject(`line longer than ${maxLen} characters (maxLineLength)`);
    fields.clear();
    const err = extractor.run(line, fields);
    if (err) return reject(err);
    let kase: CompiledCase | null = null;
    if (cases.length) {
      for (const c of cases) {
        let all = true;
        for (const w of c.when)
          if (!holds(w, fields, nulls)) {
            all = false;
            break;
          }
        if (all) {
          kase = c;
          break;
        }
      }
      if (!kase) return skip(`${id}: no case matches: not an alert`);
      if (kase.skip) return skip(kase.skip);
      if (kase.reject) return reject(kase.reject);
    }
    // source.ip: required
    let src: string | null = null;
    let srcLabel = 'source.ip';
    for (const op of pick(kase, 'source.ip') ?? []) {
      srcLabel = op.label;
      const v = rawOf(op, fields);
      if (v === null) continue;
      src = op.hostPort ? splitAddrPort(v).ip : canonicalIp(v);
      if (!src) return reject(`field ${op.label}: not an IP address (${JSON.stringify(v.slice(0, 64))})`);
      break;
    }
    if (!src) return reject(`field ${srcLabel}: missing`);

    let time: TimeResult | null = null;
    for (const op of pick(kase, 'timestamp') ?? []) {
      const t = timeOf(op, fields, ctx);
      if (t === null) continue;
      if ('error' in t) {
        if (op === pick(kase, 'timestamp')!.at(-1)) return reject(t.error);
        continue; // a later layout may read it
      }
      time = t;
      break;
    }
    time ??= receivedTime(ctx.receivedAt);

    const text = (t: MapTarget): string | null => {
      for (const op of pick(kase, t) ?? []) {
        const v = mappedText(op, rawOf(op, fields));
        if (v !== null) return v;
      }
      return null;
    };
    const endpoint = (t: MapTarget, port: boolean) => {
      for (const op of pick(kase, t) ?? []) {
        const v = endpointOf(op, fields, port);
        if (v !== null) return v;
      }
      return null;
    };
    let severity: { id: number; raw: string | null } = { id: 0, raw: null };
    for (const op of pick(kase, 'severity') ?? []) {
      const s = severityOf(op, fields);
      if (s) {
        severity = s;
        break;
      }
    }
    let action: { value: 'allowed' | 'blocked' | 'unknown'; raw: string | null } = { value: 'unknown', raw: null };
    for (const op of pick(kase, 'action') ?? []) {
      const a = actionOf(op, fields);
      if (a) {
        action = a;
        break;
      }
    }
    let transport: string | null = null;
    for (const op of pick(kase, 'transport') ?? []) {
      const v = mappedText(op, rawOf(op, fields));
      if (v === null) continue;
      transport = op.protocolNames ? transportName(v) : v.trim().toLowerCase() || null;
      break;
    }
    const alert: ParsedAlert = {
      timestamp: time.iso,
      timezone_source: time.zone,
      observer: { vendor: text('observer.vendor') ?? vendor, product: text('observer.product') ?? product, name: text('observer.name') },
      source: { ip: src, port: endpoint('source.port', true) as number | null },
      destination: { ip: endpoint('destination.ip', false) as string | null, port: endpoint('destination.port', true) as number | null },
      transport,
      rule: { id: text('rule.id'), name: text('rule.name'), category: text('rule.category') },
      action,
      severity,
      format: id,
    };
    return ok(alert);
  };

  const detect = (line: string, program?: string | null): boolean => {
    if (!hasMatch) return false;
    if (match.program !== undefined && program !== match.program) return false;
    if (match.prefix !== undefined && !line.startsWith(match.prefix)) return false;
    if (matchRe && (line.length > maxLen || !matchRe.test(line))) return false;
    return true;
  };

  return { format: { format: id, doc, detect, parse }, issues };
}
