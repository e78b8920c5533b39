import { Controller, Get, Header, Injectable, Module, NotFoundException, Param, Res, SetMetadata } from '@nestjs/common';
import { DiscoveryModule, DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { RequestMethod } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { Public, ROLES_KEY } from '../../auth/auth.decorators';

export interface ApiDocSpec {
  summary: string;
  tags: string[];
  query?: z.ZodType;
  body?: z.ZodType;
  /** Non-JSON request bodies, e.g. raw log lines. */
  rawBody?: { contentTypes: string[]; description: string };
  response?: z.ZodType;
  /** Non-JSON responses, e.g. text feeds. */
  produces?: string[];
  status?: number;
}

const API_DOC = 'gwanje:api-doc';
/** Describe a route for the OpenAPI document generated from its zod schemas. */
export const ApiDoc = (spec: ApiDocSpec) => SetMetadata(API_DOC, spec);

const Problem = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  instance: z.string(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});

const jsonSchema = (s: z.ZodType, io: 'input' | 'output') => z.toJSONSchema(s, { io, unrepresentable: 'any', target: 'openapi-3.0' }) as Record<string, unknown>;

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
    if (spec.query) {
      const schema = jsonSchema(spec.query, 'input') as { properties?: Record<string, unknown>; required?: string[] };
      for (const [name, s] of Object.entries(schema.properties ?? {})) parameters.push({ name, in: 'query', required: schema.required?.includes(name) ?? false, schema: s });
    }
    const problem = { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } };
    const ok = spec.produces
      ? Object.fromEntries(spec.produces.map((t) => [t, { schema: { type: 'string' } }]))
      : { 'application/json': { schema: spec.response ? jsonSchema(spec.response, 'output') : {} } };
    return {
      summary: spec.summary,
      tags: spec.tags,
      description: roles ? `Roles: ${roles.join(', ')}` : 'Public',
      parameters,
      ...(spec.body
        ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(spec.body, 'input') } } } }
        : spec.rawBody
          ? { requestBody: { required: true, description: spec.rawBody.description, content: Object.fromEntries(spec.rawBody.contentTypes.map((t) => [t, { schema: { type: 'string' } }])) } }
          : {}),
      responses: {
        [String(spec.status ?? 200)]: { description: 'OK', content: ok },
        '400': { description: 'Bad input: detail names the field', content: problem },
        ...(roles ? { '401': { description: 'Missing or invalid API key', content: problem }, '403': { description: 'Wrong role or jurisdiction', content: problem }, '429': { description: 'Rate limited (Retry-After)', content: problem } } : {}),
        '500': { description: 'Server error', content: problem },
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
