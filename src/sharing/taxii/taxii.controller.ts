import { Controller, Get, Inject, Req, Res, UseFilters } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentPrincipal, Roles } from '../../auth/auth.decorators';
import type { Principal } from '../../auth/auth.schemas';
import { CONFIG } from '../../infra/config/config.module';
import type { GwanjeConfig } from '../../infra/config/config.schema';
import { ApiDoc } from '../../infra/http/openapi';
import { publicBaseUrl } from '../../infra/http/public-url';
import { notFound, ProblemError, validate } from '../../infra/http/problem';
import { TaxiiErrorFilter } from './taxii.filter';
import { API_ROOT, ObjectsQuery, TAXII_MEDIA_TYPE } from './taxii.schemas';
import { TaxiiService } from './taxii.service';

const notAcceptable = (detail: string) => new ProblemError(406, 'Not Acceptable', detail);

/** Whether an Accept header admits TAXII 2.1 (absent, a wildcard, or application/taxii+json of version 2.1 or unversioned). */
export function acceptsTaxii(accept: string | undefined): boolean {
  if (!accept) return true;
  return accept.split(',').some((part) => {
    const [type, ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    if (type === '*/*' || type === 'application/*') return true;
    if (type !== 'application/taxii+json') return false;
    const version = params.find((p) => p.startsWith('version='));
    return !version || version === 'version=2.1';
  });
}

/**
 * TAXII 2.1 server (read-only) for pull-based partners: OpenCTI, MISP, FortiGate `stix://`.
 *
 *   GET /taxii2/                                         discovery
 *   GET /taxii2/gwanje/                                  API root
 *   GET /taxii2/gwanje/collections/                      one collection per readable jurisdiction
 *   GET /taxii2/gwanje/collections/{id}/                 one collection (id or alias = jurisdiction id)
 *   GET /taxii2/gwanje/collections/{id}/objects/         envelope; added_after, limit, next, match[...]
 *   GET /taxii2/gwanje/collections/{id}/objects/{oid}/   one object
 *   GET /taxii2/gwanje/collections/{id}/manifest/        manifest records
 *
 * TAXII URLs end in '/', which Nest's router strips from declared paths, so one wildcard route
 * takes everything under /taxii2/ and dispatches here. Keys: feed (its own jurisdiction's
 * collection), analyst and admin (their scope), by Basic or Bearer (or X-Api-Key).
 */
@Controller('taxii2')
@Roles('feed', 'admin', 'analyst')
@UseFilters(TaxiiErrorFilter)
export class TaxiiController {
  constructor(private readonly taxii: TaxiiService, @Inject(CONFIG) private readonly config: GwanjeConfig) {}

  @Get('*')
  @RouteConfig({ compress: false })
  @ApiDoc({
    summary: 'TAXII 2.1 (read-only): /taxii2/ discovery, /taxii2/gwanje/ API root, collections/, collections/{id}/, collections/{id}/objects/ (added_after, limit, next, match[id|type|version|spec_version]), objects/{id}/, manifest/. Media type application/taxii+json;version=2.1; feed keys by Basic or Bearer.',
    tags: ['sharing'],
    produces: [TAXII_MEDIA_TYPE],
  })
  async route(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @CurrentPrincipal() who: Principal) {
    if (!acceptsTaxii(req.headers.accept)) throw notAcceptable(`Accept ${req.headers.accept} does not admit ${TAXII_MEDIA_TYPE}`);
    const path = req.url.split('?')[0];
    const parts = path.split('/').filter(Boolean).slice(1).map(decodeURIComponent); // after "taxii2"
    const send = (body: unknown, headers: Record<string, string> = {}) => {
      for (const [k, v] of Object.entries(headers)) reply.header(k, v);
      return reply.status(200).header('content-type', TAXII_MEDIA_TYPE).header('cache-control', 'private, no-cache').send(Buffer.from(JSON.stringify(body))); // a Buffer: Fastify leaves the media type as written
    };
    if (!path.endsWith('/')) throw notFound(`${path}: TAXII endpoints end with '/'`);
    if (parts.length === 0) return send(this.taxii.discovery(this.base(req)));
    if (parts[0] !== API_ROOT) throw notFound(`API root ${parts[0]} does not exist (this server has /taxii2/${API_ROOT}/)`);
    if (parts.length === 1) return send(this.taxii.apiRoot());
    if (parts[1] !== 'collections') throw notFound(`${path} is not a TAXII 2.1 endpoint`);
    if (parts.length === 2) {
      const collections = this.taxii.collections(who);
      return send(collections.length ? { collections } : {});
    }
    const c = this.taxii.collection(who, parts[2]);
    if (parts.length === 3) return send(c);
    const q = validate(ObjectsQuery, req.query, 'query');
    if (parts[3] === 'objects' && parts.length <= 5) {
      const page = await this.taxii.objects(c, parts[4] ? { ...q, 'match[id]': parts[4] } : q);
      if (parts[4] && !page.objects.length) throw notFound(`object ${parts[4]} is not in collection ${c.alias}`);
      return send(
        { more: page.more, ...(page.next ? { next: page.next } : {}), ...(page.objects.length ? { objects: page.objects.map((o) => o.object) } : {}) },
        this.dateHeaders(page.objects),
      );
    }
    if (parts[3] === 'manifest' && parts.length === 4) {
      const page = await this.taxii.objects(c, q);
      const objects = page.objects.map((o) => ({ id: o.object.id as string, date_added: TaxiiService.dateAdded(o.addedUs), version: (o.object.modified ?? o.object.created) as string, media_type: 'application/stix+json;version=2.1' }));
      return send({ more: page.more, ...(page.next ? { next: page.next } : {}), ...(objects.length ? { objects } : {}) }, this.dateHeaders(page.objects));
    }
    throw notFound(`${path} is not a TAXII 2.1 endpoint of this server`);
  }

  private dateHeaders(objects: Array<{ addedUs: number }>): Record<string, string> {
    if (!objects.length) return {};
    return { 'x-taxii-date-added-first': TaxiiService.dateAdded(objects[0].addedUs), 'x-taxii-date-added-last': TaxiiService.dateAdded(objects[objects.length - 1].addedUs) };
  }

  /** Absolute base URL (discovery lists absolute API root URLs): configured, or from a trusted proxy — never the Host header. */
  private base(req: FastifyRequest): string {
    return publicBaseUrl(req, this.config.server);
  }
}
