import { Body, Controller, Delete, Get, Headers, Param, Post, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { CurrentPrincipal, Roles } from '../auth/auth.decorators';
import { actorOf, type Principal } from '../auth/auth.schemas';
import { ScopeService } from '../auth/scope.service';
import { ApiDoc } from '../infra/http/openapi';
import { badRequest, conflict, notFound, ProblemError, unprocessable, validate } from '../infra/http/problem';
import { CrowdsecStream, CsLiveQuery } from './crowdsec-stream.service';
import { CreateDecisionBody, DecisionPage, DecisionView, EndDecisionBody, EndDecisionQuery, ListDecisionsQuery, viewOf, type BanResult } from './decisions.schemas';
import { DecisionsService } from './decisions.service';
import { parseNet } from '../contracts/net';
import { pageInRange } from '../infra/http/time-range';

/** A refusal as the API answers it: 409 when an allowlist forbids the value, 422 for policy (prefix, duration), 400 for bad input. */
export function refusalProblem(r: Extract<BanResult, { ok: false }>): ProblemError {
  switch (r.code) {
    case 'allowlisted':
      return conflict(r.refused);
    case 'prefix':
    case 'duration':
      return unprocessable(r.refused);
    default:
      return badRequest(r.refused);
  }
}

@Controller('v1/decisions')
export class DecisionsController {
  constructor(private readonly decisions: DecisionsService, private readonly scope: ScopeService, private readonly crowdsec: CrowdsecStream) {}

  @Get()
  @Roles('analyst', 'admin', 'feed')
  @ApiDoc({
    summary:
      'Decisions newest first (analyst, admin). A feed key gets the CrowdSec LAPI live-mode answer instead (?ip=, ?range=, ?scope=&value=): the active decisions covering it, or null.',
    tags: ['decisions'],
    query: ListDecisionsQuery,
    response: DecisionPage,
  })
  async list(@Query() query: unknown, @CurrentPrincipal() who: Principal, @Res() reply: FastifyReply) {
    if (who.role === 'feed') {
      const q = validate(CsLiveQuery, query, 'query');
      // A bouncer answers for its key's jurisdiction; naming another one is refused, not ignored.
      if (typeof q.jurisdiction === 'string') this.scope.resolve(who, q.jurisdiction);
      const found = await this.crowdsec.live(who.jurisdiction, q);
      return reply.type('application/json').send(JSON.stringify(found));
    }
    const q = validate(ListDecisionsQuery, query, 'query');
    let value: string | undefined;
    if (q.value) {
      const net = parseNet(q.value);
      if (!net) throw badRequest(`query.value: ${q.value} is not an IP address or CIDR`);
      value = net.text;
    }
    const page = await this.decisions.list(this.scope.readScope(who, q.jurisdiction), { active: q.active, value, limit: q.limit, cursor: q.cursor });
    const now = Date.now();
    return reply.send(pageInRange({ items: page.items.map((d) => viewOf(d, now)), next: page.next }, (d) => d.created, q));
  }

  /** A decision the key may see. Another jurisdiction's answers exactly as a missing one: a 404 that names no owner. */
  private async visible(id: string, who: Principal) {
    const d = /^\d{1,16}$/.test(id) ? await this.decisions.get(id) : null;
    if (!d || !this.scope.visible(who).has(d.jurisdiction)) throw notFound(`decision ${id} does not exist`);
    return d;
  }

  @Get(':id')
  @Roles('analyst', 'admin')
  @ApiDoc({ summary: 'One decision', tags: ['decisions'], response: DecisionView })
  async get(@Param('id') id: string, @CurrentPrincipal() who: Principal) {
    return viewOf(await this.visible(id, who));
  }

  @Post()
  @Roles('analyst', 'admin')
  @ApiDoc({
    summary:
      'Block an address or CIDR (manual). 201 with the decision; 200 with the existing one when the value is already blocked (or the Idempotency-Key was used); 409 when an allowlist covers it; 422 for a too-wide prefix or a duration out of bounds.',
    tags: ['decisions'],
    body: CreateDecisionBody,
    response: DecisionView,
    status: 201,
  })
  async create(@Body() body: unknown, @CurrentPrincipal() who: Principal, @Res({ passthrough: true }) reply: FastifyReply, @Headers('idempotency-key') idempotencyKey?: string) {
    const b = validate(CreateDecisionBody, body, 'body');
    if (idempotencyKey !== undefined && !/^[\x21-\x7e]{1,200}$/.test(idempotencyKey)) throw badRequest('header Idempotency-Key: 1 to 200 visible ASCII characters');
    if (!parseNet(b.value)) throw badRequest(`body.value: ${b.value} is not an IP address or CIDR`);
    const jurisdiction = this.scope.resolve(who, b.jurisdiction);
    const r = await this.decisions.ban({
      value: b.value,
      jurisdiction,
      reason: b.reason,
      duration: b.duration,
      origin: { type: 'manual', id: who.keyId },
      actor: actorOf(who),
      score: b.score ?? 100,
      confidence: b.confidence,
      tlp: b.tlp,
      escalate: b.escalate,
      idempotencyKey,
    });
    if (!r.ok) throw refusalProblem(r);
    reply.status(r.created ? 201 : 200);
    return viewOf(r.decision);
  }

  @Delete(':id')
  @Roles('analyst', 'admin')
  @ApiDoc({ summary: 'Unblock: end a decision before it expires (reason in the body or ?reason=). Ending one already ended or expired changes nothing.', tags: ['decisions'], body: EndDecisionBody, response: DecisionView })
  async end(@Param('id') id: string, @Body() body: unknown, @Query() query: unknown, @CurrentPrincipal() who: Principal) {
    const q = validate(EndDecisionQuery, query, 'query');
    const reason = body === undefined || body === null ? q.reason : validate(EndDecisionBody, body, 'body').reason;
    if (!reason) throw badRequest('reason: say why the block is lifted (body {"reason": …} or ?reason=)');
    await this.visible(id, who);
    const r = await this.decisions.end(id, { actor: actorOf(who), reason });
    if (!r.ok) throw notFound(r.refused);
    return viewOf(r.decision);
  }
}
