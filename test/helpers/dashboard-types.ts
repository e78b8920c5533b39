import 'reflect-metadata';
import { MetadataScanner, Reflector } from '@nestjs/core';
import type { DiscoveryService } from '@nestjs/core';
import path from 'node:path';
import { AppModule } from '../../src/app.module';
import { loadConfig } from '../../src/infra/config/config.loader';
import { OpenApiService } from '../../src/infra/http/openapi';

/**
 * The dashboard's API types, generated from the OpenAPI document (the same zod schemas that
 * validate requests). `buildOpenApiDocument` makes the document in-process, without Redis: it
 * walks AppModule's controllers and hands them to the real OpenApiService; `renderDashboardTypes`
 * turns it into src/dashboard/public/lib/api-types.d.ts, which `tsc --checkJs` checks every
 * view against (src/dashboard/dashboard-contract.spec.ts).
 */

export const TYPES_FILE = path.resolve(__dirname, '../../src/dashboard/public/lib/api-types.d.ts');
export const JSCONFIG = path.resolve(__dirname, '../../src/dashboard/public/jsconfig.json');

type ModuleRef = { module?: unknown; imports?: unknown[]; controllers?: unknown[] } | (new (...args: never[]) => unknown);

/** Every controller class reachable from a module definition (static metadata and dynamic modules). */
function controllersOf(root: ModuleRef, seen = new Set<unknown>(), out: Array<new (...args: never[]) => unknown> = []) {
  if (!root || seen.has(root)) return out;
  seen.add(root);
  const dyn = typeof root === 'object' ? root : null;
  const cls = dyn ? dyn.module : root;
  const meta = (key: string) => (cls ? ((Reflect.getMetadata(key, cls) as unknown[] | undefined) ?? []) : []);
  for (const c of [...meta('controllers'), ...(dyn?.controllers ?? [])]) if (!out.includes(c as never)) out.push(c as never);
  for (const m of [...meta('imports'), ...(dyn?.imports ?? [])]) controllersOf(m as ModuleRef, seen, out);
  return out;
}

/** The OpenAPI document the API serves at /openapi.json with the sample config. */
export function buildOpenApiDocument(): Record<string, unknown> {
  const config = loadConfig({ GWANJE_CONFIG: path.resolve(__dirname, '../../config/gwanje.sample.yaml') });
  const root = AppModule.forRoot(config, { url: 'redis://unused.invalid:6379' });
  const wrappers = controllersOf(root as ModuleRef).map((metatype) => ({ metatype, instance: Object.create(metatype.prototype) as object }));
  const discovery = { getControllers: () => wrappers } as unknown as DiscoveryService;
  return new OpenApiService(discovery, new MetadataScanner(), new Reflector()).document();
}

// ---- JSON Schema (zod's OpenAPI 3.0 output) → TypeScript ----

type Schema = {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema | Schema[];
  enum?: unknown[];
  const?: unknown;
  nullable?: boolean;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  $ref?: string;
  default?: unknown;
};

const key = (k: string) => (/^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k));
const pad = (n: number) => '  '.repeat(n);

function tsType(s: Schema | boolean | undefined, depth: number, io: 'input' | 'output'): string {
  if (s === undefined || s === true) return 'unknown';
  if (s === false) return 'never';
  let t: string;
  if (s.$ref) t = s.$ref.split('/').pop()!;
  else if (s.const !== undefined) t = JSON.stringify(s.const);
  else if (s.enum) t = s.enum.map((v) => JSON.stringify(v)).join(' | ');
  else if (s.anyOf || s.oneOf) t = (s.anyOf ?? s.oneOf)!.map((x) => tsType(x, depth, io)).join(' | ');
  else if (s.allOf) t = s.allOf.map((x) => `(${tsType(x, depth, io)})`).join(' & ');
  else if (Array.isArray(s.type)) t = s.type.map((x) => tsType({ ...s, type: x }, depth, io)).join(' | ');
  else
    switch (s.type) {
      case 'string':
        t = 'string';
        break;
      case 'number':
      case 'integer':
        t = 'number';
        break;
      case 'boolean':
        t = 'boolean';
        break;
      case 'null':
        t = 'null';
        break;
      case 'array':
        t = Array.isArray(s.items) ? `[${s.items.map((x) => tsType(x, depth, io)).join(', ')}]` : `Array<${tsType(s.items, depth, io)}>`;
        break;
      case 'object':
      case undefined:
        if (!s.properties && s.type === undefined) {
          t = 'unknown';
          break;
        }
        t = objectType(s, depth, io);
        break;
      default:
        t = 'unknown';
    }
  return s.nullable ? `${t} | null` : t;
}

function objectType(s: Schema, depth: number, io: 'input' | 'output'): string {
  const props = Object.entries(s.properties ?? {});
  const extra = s.additionalProperties;
  if (!props.length) return extra && extra !== true ? `Record<string, ${tsType(extra, depth, io)}>` : extra === false ? 'Record<string, never>' : 'Record<string, unknown>';
  const req = new Set(s.required ?? []);
  const lines = props.map(([k, v]) => {
    // A request field with a default may be left out; a response field with a default is always there.
    const optional = !req.has(k) && !(io === 'output' && v.default !== undefined);
    return `${pad(depth + 1)}${key(k)}${optional ? '?' : ''}: ${tsType(v, depth + 1, io)};`;
  });
  if (extra && extra !== true) lines.push(`${pad(depth + 1)}[key: string]: ${tsType(extra, depth + 1, io)};`);
  return `{\n${lines.join('\n')}\n${pad(depth)}}`;
}

type Operation = {
  parameters?: Array<{ name: string; in: string; required?: boolean; schema?: Schema }>;
  requestBody?: { content?: Record<string, { schema?: Schema }> };
  responses?: Record<string, { content?: Record<string, { schema?: Schema }> }>;
};

function operationType(op: Operation, depth: number): string {
  const params = (where: string) => {
    const ps = (op.parameters ?? []).filter((p) => p.in === where);
    if (!ps.length) return 'never';
    return `{ ${ps.map((p) => `${key(p.name)}${p.required ? '' : '?'}: ${where === 'query' ? tsType(p.schema, depth + 1, 'input') : 'string'}`).join('; ')} }`;
  };
  const body = op.requestBody?.content?.['application/json']?.schema;
  const okStatus = Object.keys(op.responses ?? {}).find((s) => s.startsWith('2'));
  const ok = okStatus ? op.responses![okStatus].content : undefined;
  const response = ok?.['application/json'] ? tsType(ok['application/json'].schema, depth + 1, 'output') : ok ? 'string' : 'unknown';
  const i = pad(depth + 1);
  return `{\n${i}path: ${params('path')};\n${i}query: ${params('query')};\n${i}body: ${body ? tsType(body, depth + 1, 'input') : 'never'};\n${i}response: ${response};\n${pad(depth)}}`;
}

/** Types lib/api.js is written against: an operation's path parameters, query, body and answer. */
const HELPERS = `export type Method = 'get' | 'post' | 'put' | 'delete';
/** The documented paths that have an operation for method M. */
export type PathOf<M extends Method> = { [P in keyof Paths]: M extends keyof Paths[P] ? P : never }[keyof Paths];
export type Operation<M extends Method, P extends PathOf<M>> = Paths[P][M & keyof Paths[P]];
export type PathParams<M extends Method, P extends PathOf<M>> = Operation<M, P> extends { path: infer X } ? X : never;
export type Query<M extends Method, P extends PathOf<M>> = Operation<M, P> extends { query: infer X } ? X : never;
export type Body<M extends Method, P extends PathOf<M>> = Operation<M, P> extends { body: infer X } ? X : never;
export type Reply<M extends Method, P extends PathOf<M>> = Operation<M, P> extends { response: infer X } ? X : never;
/** Path parameters (required when the path has any) and query of one call. */
export type CallOptions<M extends Method, P extends PathOf<M>> = ([PathParams<M, P>] extends [never] ? { params?: undefined } : { params: PathParams<M, P> }) &
  ([Query<M, P>] extends [never] ? { query?: undefined } : { query?: Query<M, P> });
`;

/** The text of src/dashboard/public/lib/api-types.d.ts for an OpenAPI document. */
export function renderDashboardTypes(doc: Record<string, unknown>): string {
  const paths = doc.paths as Record<string, Record<string, Operation>>;
  const schemas = ((doc.components as { schemas?: Record<string, Schema> } | undefined)?.schemas ?? {});
  const out: string[] = [
    '// Generated from /openapi.json by `node scripts/gen-dashboard-types.js`: do not edit.',
    '// The dashboard calls the API through lib/api.js, whose request and response types come from here;',
    '// `tsc -p src/dashboard/public/jsconfig.json` checks every field a view reads or sends (npm test).',
    '',
  ];
  for (const [name, s] of Object.entries(schemas).sort(([a], [b]) => a.localeCompare(b))) out.push(`export type ${name} = ${tsType(s, 0, 'output')};`, '');
  out.push('export interface Paths {');
  for (const p of Object.keys(paths).sort()) {
    out.push(`  ${JSON.stringify(p)}: {`);
    for (const m of Object.keys(paths[p]).sort()) {
      // Shapes only (no descriptions or examples): wording changes in the API docs need no regeneration.
      out.push(`    ${m}: ${operationType(paths[p][m], 2)};`);
    }
    out.push('  };');
  }
  out.push('}', '', HELPERS);
  return out.join('\n');
}
