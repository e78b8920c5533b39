import { Controller, Get, Header, Injectable, Module, NotFoundException, Param, Res, SetMetadata } from '@nestjs/common';
import { DiscoveryModule, DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { RequestMethod } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { Public, ROLES_KEY } from './route-access';
import { exampleOf, stripSafeIntegerBounds } from './openapi-example';

export interface ApiDocSpec {
  summary: string;
  tags: string[];
  query?: z.ZodType;
  body?: z.ZodType;
  /** Non-JSON request bodies, e.g. raw log lines. */
  rawBody?: { contentTypes: string[]; description: string };
  response?: z.ZodType;
  /** Longer text after the summary: behaviour a caller must know. */
  description?: string;
  /** Examples for Swagger; without them one is built from the schema (its `.meta({ example })` first). */
  bodyExample?: unknown;
  responseExample?: unknown;
  /** Non-JSON responses, e.g. text feeds. */
  produces?: string[];
  status?: number;
}

const API_DOC = 'gwanje:api-doc';
/** Describe a route for the OpenAPI document generated from its zod schemas. */
export const ApiDoc = (spec: ApiDocSpec) => SetMetadata(API_DOC, spec);

const PROBLEM_EXAMPLE = { type: 'about:blank', title: 'Bad Request', status: 400, code: 'validation_failed', detail: 'duration: expected a duration like 30m, 24h, 7d', instance: '/v1/decisions' };

const Problem = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  code: z.string().describe('stable machine-readable code (validation_failed, unauthorized, forbidden, not_found, conflict, unprocessable, rate_limited, service_unavailable, …): clients translate it; detail is English'),
  detail: z.string(),
  instance: z.string(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});

const jsonSchema = (s: z.ZodType, io: 'input' | 'output') => stripSafeIntegerBounds(z.toJSONSchema(s, { io, unrepresentable: 'any', target: 'openapi-3.0' }) as Record<string, unknown>);

/** JSON content with its schema and an example (from `.meta({ example })` where given, else built from the schema). */
const jsonContent = (schema: Record<string, unknown>, example?: unknown) => ({ schema, example: example ?? exampleOf(schema) });

const ROLE_TEXT: Record<string, string> = {
  admin: 'admin (keys, configuration, every action)',
  analyst: 'analyst (reads, blocks, approvals)',
  sensor: 'sensor (sends alerts)',
  feed: 'feed (firewalls polling block-lists)',
};

/**
 * The operation's description: what it does (summary and any longer text), who may call it, and
 * how scoping, paging and errors work for it. Roles alone tell a newcomer little.
 */
function describe(spec: ApiDocSpec, route: string, roles: string[] | undefined, queryNames: string[]): string {
  const parts = [spec.summary.endsWith('.') ? spec.summary : `${spec.summary}.`];
  if (spec.description) parts.push(spec.description);
  parts.push(
    roles
      ? `**Roles:** ${roles.map((r) => ROLE_TEXT[r] ?? r).join(', ')}. A key acts in its own jurisdiction and those below it; naming another jurisdiction is a 403, a missing or revoked key a 401.`
      : '**Public:** no API key needed.',
  );
  if (queryNames.includes('cursor')) parts.push('**Paging:** pass the `next` of an answer back as `cursor`; `next: null` means the last page.');
  if (route.includes('{')) parts.push('A path value that names nothing you can see is a 404.');
  parts.push('Errors are `application/problem+json` with a `detail` naming the field or value.');
  return parts.join('\n\n');
}

/** Builds the OpenAPI 3 document from every controller's @ApiDoc and zod schemas. */
@Injectable()
export class OpenApiService {
  private doc?: Record<string, unknown>;
  constructor(private readonly discovery: DiscoveryService, private readonly scanner: MetadataScanner, private readonly reflector: Reflector) {}

  document(): Record<string, unknown> {
    return (this.doc ??= this.build());
  }

  private build() {
    const paths: Record<string, Record<string, unknown>> = {};
    for (const wrapper of this.discovery.getControllers()) {
      const instance = wrapper.instance as object | undefined;
      if (!instance || !wrapper.metatype) continue;
      const base = String(Reflect.getMetadata(PATH_METADATA, wrapper.metatype) ?? '');
      const proto = Object.getPrototypeOf(instance);
      for (const name of this.scanner.getAllMethodNames(proto)) {
        const handler = proto[name];
        const spec = Reflect.getMetadata(API_DOC, handler) as ApiDocSpec | undefined;
        if (!spec) continue;
        const sub = String(Reflect.getMetadata(PATH_METADATA, handler) ?? '');
        const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as number].toLowerCase();
        const route = ('/' + [base, sub].filter((s) => s && s !== '/').join('/')).replace(/\/+/g, '/').replace(/:(\w+)/g, '{$1}');
        const roles = this.reflector.getAllAndOverride<string[]>(ROLES_KEY, [handler, wrapper.metatype]);
        (paths[route] ??= {})[method] = this.operation(spec, route, roles);
      }
    }
    return {
      openapi: '3.0.3',
      info: { title: 'Gwanje API', version: '1', description: 'SOC playbook engine for federations of public bodies. Errors are application/problem+json (RFC 9457).' },
      components: {
        securitySchemes: {
          apiKey: { type: 'apiKey', in: 'header', name: 'X-Api-Key' },
          bearer: { type: 'http', scheme: 'bearer' },
          basic: { type: 'http', scheme: 'basic', description: 'password = API key (for firewalls polling feeds)' },
        },
        schemas: { Problem: jsonSchema(Problem, 'output') },
      },
      security: [{ apiKey: [] }, { bearer: [] }, { basic: [] }],
      paths,
    };
  }

  private operation(spec: ApiDocSpec, route: string, roles?: string[]) {
    const parameters: unknown[] = [...route.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
    const queryNames: string[] = [];
    if (spec.query) {
      const schema = jsonSchema(spec.query, 'input') as { properties?: Record<string, unknown>; required?: string[] };
      for (const [name, s] of Object.entries(schema.properties ?? {})) {
        queryNames.push(name);
        parameters.push({ name, in: 'query', required: schema.required?.includes(name) ?? false, schema: s, ...(s && typeof s === 'object' && 'description' in s ? { description: (s as { description: string }).description } : {}) });
      }
    }
    const problem = { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' }, example: PROBLEM_EXAMPLE } };
    const ok = spec.produces
      ? Object.fromEntries(spec.produces.map((t) => [t, { schema: { type: 'string' }, ...(spec.responseExample !== undefined ? { example: spec.responseExample } : {}) }]))
      : { 'application/json': jsonContent(spec.response ? jsonSchema(spec.response, 'output') : { type: 'object' }, spec.responseExample) };
    return {
      summary: spec.summary,
      tags: spec.tags,
      description: describe(spec, route, roles, queryNames),
      parameters,
      ...(spec.body
        ? { requestBody: { required: true, content: { 'application/json': jsonContent(jsonSchema(spec.body, 'input'), spec.bodyExample) } } }
        : spec.rawBody
          ? { requestBody: { required: true, description: spec.rawBody.description, content: Object.fromEntries(spec.rawBody.contentTypes.map((t) => [t, { schema: { type: 'string' }, ...(spec.bodyExample !== undefined ? { example: spec.bodyExample } : {}) }])) } }
          : {}),
      responses: {
        [String(spec.status ?? 200)]: { description: 'OK', content: ok },
        '400': { description: 'Bad input: detail names the field', content: problem },
        ...(roles ? { '401': { description: 'Missing or invalid API key', content: problem }, '403': { description: 'Wrong role or jurisdiction', content: problem }, '429': { description: 'Rate limited (Retry-After)', content: problem } } : {}),
        '500': { description: 'Server error', content: problem },
        '503': { description: 'Redis unreachable, or the server shutting down (Retry-After)', content: problem },
      },
    };
  }
}

const SWAGGER_DIR = path.dirname(require.resolve('swagger-ui-dist/package.json'));
const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css',
  'swagger-ui-bundle.js': 'application/javascript',
  'swagger-ui-standalone-preset.js': 'application/javascript',
  'favicon-32x32.png': 'image/png',
};
const DOCS_HTML = `<!doctype html><html><head><meta charset="utf-8"><title>Gwanje API</title>
<link rel="stylesheet" href="/docs/swagger-ui.css"></head><body><div id="ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script><script src="/docs/init.js"></script></body></html>`;
const DOCS_INIT = `window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#ui', persistAuthorization: false });`;

/** OpenAPI at /openapi.json and Swagger UI at /docs, served from the swagger-ui-dist package (works offline). */
@Controller()
@Public()
export class OpenApiController {
  constructor(private readonly openapi: OpenApiService) {}

  @Get('openapi.json')
  json() {
    return this.openapi.document();
  }

  @Get('docs')
  @Header('content-type', 'text/html; charset=utf-8')
  page() {
    return DOCS_HTML;
  }

  @Get('docs/:asset')
  asset(@Param('asset') asset: string, @Res() reply: FastifyReply) {
    if (asset === 'init.js') return reply.type('application/javascript').send(DOCS_INIT);
    const type = ASSETS[asset];
    if (!type) throw new NotFoundException(`no such asset ${asset}`);
    reply.header('cache-control', 'public, max-age=86400').type(type).send(readFileSync(path.join(SWAGGER_DIR, asset)));
  }
}

@Module({ imports: [DiscoveryModule], providers: [OpenApiService], controllers: [OpenApiController] })
export class OpenApiModule {}
