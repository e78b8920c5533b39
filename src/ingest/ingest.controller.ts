import { Controller, Get, Headers, HttpCode, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { CurrentPrincipal, Roles } from '../auth/auth.decorators';
import type { Principal } from '../auth/auth.schemas';
import { ScopeService } from '../auth/scope.service';
import { Inject } from '@nestjs/common';
import { CONFIG } from '../infra/config/config.module';
import type { GwanjeConfig } from '../infra/config/config.schema';
import { ApiDoc } from '../infra/http/openapi';
import { badRequest, validate } from '../infra/http/problem';
import { FormatsRegistry } from '../formats/formats.registry';
import { splitBody } from './body';
import { IngestService } from './ingest.service';
import { IngestStore } from './ingest.store';
import { IngestTotals } from './ingest-totals.service';
import { MetricsService } from '../infra/metrics/metrics.service';
import { IngestQuery, IngestResponse, ListRejectsQuery, RejectRecord } from './ingest.schemas';

@Controller('v1/ingest')
export class IngestController {
  constructor(
    private readonly ingest: IngestService,
    private readonly store: IngestStore,
    private readonly scope: ScopeService,
    @Inject(CONFIG) private readonly config: GwanjeConfig,
    private readonly formats: FormatsRegistry,
    private readonly totals: IngestTotals,
    private readonly metrics: MetricsService,
  ) {}

  @Post()
  @Roles('sensor', 'admin')
  @HttpCode(202)
  @ApiDoc({
    summary: 'Ingest sensor alerts: raw lines, NDJSON or a JSON array (gzip accepted). 202 once the batch is durably queued.',
    tags: ['ingest'],
    query: IngestQuery,
    rawBody: { contentTypes: ['text/plain', 'application/x-ndjson', 'application/json'], description: 'One alert per line, or a JSON array of alerts (read as an array only when the content type is JSON or the format is a JSON one). Send `Idempotency-Key` to make retries no-ops.' },
    bodyExample: '{"timestamp":"2026-03-02T18:15:00.000000+0900","event_type":"alert","src_ip":"45.155.205.7","src_port":51000,"dest_ip":"10.11.0.5","dest_port":22,"proto":"TCP","alert":{"action":"allowed","signature_id":2001219,"signature":"ET SCAN Potential SSH Scan","category":"Attempted Information Leak","severity":2}}',
    response: IngestResponse,
    status: 202,
  })
  async post(
    @Query() query: unknown,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @CurrentPrincipal() who: Principal,
    @Headers('idempotency-key') idempotencyKey?: string,
  ) {
    const q = validate(IngestQuery, query, 'query');
    const jurisdiction = this.scope.resolve(who, q.jurisdiction);
    if (idempotencyKey !== undefined && !/^[\x21-\x7e]{1,200}$/.test(idempotencyKey)) throw badRequest('header Idempotency-Key: 1 to 200 visible ASCII characters');
    if (idempotencyKey) {
      const earlier = await this.store.recallAnswer(jurisdiction, idempotencyKey);
      if (earlier) {
        reply.header('idempotent-replayed', 'true');
        return { ...JSON.parse(earlier), duplicate: true };
      }
    }
    // Back-pressure: past the backlog or Redis memory bound, refuse before normalizing or queueing anything.
    const refusal = await this.totals.admission();
    if (refusal) {
      this.metrics.ingestRefused.inc({ code: refusal.code });
      throw refusal;
    }
    const body = request.body;
    if (!Buffer.isBuffer(body) || body.length === 0) throw badRequest('body: empty; send alert lines, NDJSON or a JSON array');
    const format = q.format ?? this.config.ingest.defaultFormat;
    // Loaded LogFormat ids come and go with formats.dir: checked against what is in force now.
    if (!this.formats.has(format)) throw badRequest(`query.format: unknown format ${JSON.stringify(format)}; known: ${this.formats.ids().join(', ')}`, [{ path: 'query.format', message: `unknown format ${JSON.stringify(format)}` }]);
    const answer = await this.ingest.ingest(splitBody(body, { contentType: request.headers['content-type'], format }), {
      jurisdiction,
      format,
      timezone: q.timezone,
      source: 'http',
      batchId: idempotencyKey ? IngestService.batchIdFor(jurisdiction, idempotencyKey) : undefined,
    });
    if (idempotencyKey) await this.store.rememberAnswer(jurisdiction, idempotencyKey, JSON.stringify(answer));
    return answer;
  }

  @Get('rejects')
  @Roles('analyst', 'admin', 'sensor')
  @ApiDoc({ summary: 'Lines that failed to parse, newest first, with the reason', tags: ['ingest'], query: ListRejectsQuery, response: z.object({ items: z.array(RejectRecord), next: z.string().nullable() }) })
  async rejects(@Query() query: unknown, @CurrentPrincipal() who: Principal) {
    const q = validate(ListRejectsQuery, query, 'query');
    return this.store.listRejects(this.scope.readScope(who, q.jurisdiction), q.limit, q.cursor);
  }
}
