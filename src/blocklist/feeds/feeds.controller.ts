import { Controller, Get, Inject, Param, Query, Req, Res } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { CurrentPrincipal, Roles } from '../../auth/auth.decorators';
import type { Principal } from '../../auth/auth.schemas';
import { CONFIG } from '../../infra/config/config.module';
import type { GwanjeConfig } from '../../infra/config/config.schema';
import { ApiDoc } from '../../infra/http/openapi';
import { validate } from '../../infra/http/problem';
import { acceptsGzip, isNotModified } from './conditional';
import { FeedAccess } from './feed-access';
import { FeedCache } from './feed-cache';
import type { FeedFormat } from './renderers';

export const FeedQuery = z.strictObject({
  max_entries: z.coerce.number().int().min(1).optional().describe('keep the highest-scoring entries only (firewalls cap EDL sizes)'),
  min_score: z.coerce.number().int().min(0).max(100).optional(),
  comments: z.enum(['true', 'false']).optional().describe('EDL: append " # reason" (default true)'),
});
/** fortigate.txt is comment-free by construction: FortiOS documents one IP, range or subnet per line and nothing else. */
export const FortigateFeedQuery = FeedQuery.omit({ comments: true });

const DOC = (format: string, produces: string) => ({
  summary: `${format} of the jurisdiction's active decisions. Strong ETag, Last-Modified, HEAD, 304 on If-None-Match/If-Modified-Since, gzip when asked. Key as X-Api-Key, Bearer or HTTP Basic password — never in the URL.`,
  tags: ['feeds'],
  query: FeedQuery,
  produces: [produces],
});

/**
 * Feeds firewalls poll. Responses are sent here, not by @fastify/compress: each representation
 * (identity, gzip) is precomputed once per change and has its own strong ETag, which on-the-fly
 * compression would break.
 */
@Controller('v1/feeds')
@Roles('feed', 'admin', 'analyst')
export class FeedsController {
  constructor(private readonly cache: FeedCache, private readonly access: FeedAccess, @Inject(CONFIG) private readonly config: GwanjeConfig) {}

  @Get(':jurisdiction/edl.txt')
  @RouteConfig({ compress: false })
  @ApiDoc(DOC('PAN-OS EDL / FortiGate threat feed (one address or CIDR per line, " # reason")', 'text/plain'))
  edl(@Param('jurisdiction') j: string, @Query() q: unknown, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @CurrentPrincipal() who: Principal) {
    return this.serve('edl', j, q, req, reply, who);
  }

  @Get(':jurisdiction/fortigate.txt')
  @RouteConfig({ compress: false })
  @ApiDoc({ ...DOC('FortiGate external threat feed: one address or CIDR per line, no comments', 'text/plain'), query: FortigateFeedQuery })
  fortigate(@Param('jurisdiction') j: string, @Query() q: unknown, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @CurrentPrincipal() who: Principal) {
    return this.serve('edl', j, { ...validate(FortigateFeedQuery, q, 'query'), comments: 'false' }, req, reply, who);
  }

  @Get(':jurisdiction/blocklist.json')
  @RouteConfig({ compress: false })
  @ApiDoc({
    ...DOC('JSON list (value, expires, reason, origin, score, …)', 'application/json'),
    responseExample: { jurisdiction: 'seoul-jongno', count: 1, items: [{ id: '895300085434604', value: '45.155.205.7', scope: 'ip', created: '2026-03-02T09:15:00.000Z', expires: '2026-03-03T09:15:00.000Z', reason: 'ssh brute force', origin: { type: 'playbook', id: 'jongno-block-own' }, score: 88, confidence: 80, tlp: 'AMBER' }] },
  })
  json(@Param('jurisdiction') j: string, @Query() q: unknown, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @CurrentPrincipal() who: Principal) {
    return this.serve('json', j, q, req, reply, who);
  }

  @Get(':jurisdiction/blocklist.csv')
  @RouteConfig({ compress: false })
  @ApiDoc(DOC('CSV (value, scope, expires, reason, origin, score, confidence, tlp, id)', 'text/csv'))
  csv(@Param('jurisdiction') j: string, @Query() q: unknown, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @CurrentPrincipal() who: Principal) {
    return this.serve('csv', j, q, req, reply, who);
  }

  @Get(':jurisdiction/stix.json')
  @RouteConfig({ compress: false })
  @ApiDoc(DOC('STIX 2.1 bundle of Indicators (revoked: true for recently ended decisions)', 'application/stix+json;version=2.1'))
  stix(@Param('jurisdiction') j: string, @Query() q: unknown, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @CurrentPrincipal() who: Principal) {
    return this.serve('stix', j, q, req, reply, who);
  }

  private async serve(format: FeedFormat, jurisdiction: string, query: unknown, req: FastifyRequest, reply: FastifyReply, who: Principal) {
    this.access.assertCanRead(who, jurisdiction);
    const q = validate(FeedQuery, query, 'query');
    const r = await this.cache.rendering(jurisdiction, { format, maxEntries: q.max_entries, minScore: q.min_score, comments: q.comments !== 'false' });
    const gz = acceptsGzip(req.headers['accept-encoding']);
    reply
      .header('etag', gz ? r.etagGzip : r.etag)
      .header('last-modified', new Date(r.lastModified).toUTCString())
      // Revalidate every time: an entry may expire any second, and a 304 costs one Redis round trip.
      .header('cache-control', 'private, no-cache')
      .header('vary', 'Accept-Encoding')
      .header('x-gwanje-entries', String(r.count));
    if (r.staleMs !== undefined) {
      // Redis is unreachable: the last state read from it, this many seconds ago (docs/blocklist.md#when-redis-is-down).
      const age = String(Math.floor(r.staleMs / 1000));
      reply.header('x-gwanje-stale', age).header('age', age);
    }
    if (isNotModified(req.headers, [r.etag, r.etagGzip], r.lastModified)) return reply.status(304).send();
    reply.type(r.contentType);
    if (!gz) return reply.send(r.body);
    return reply.header('content-encoding', 'gzip').send(await r.gzipped());
  }
}
