import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { CurrentPrincipal, Roles } from '../auth/auth.decorators';
import type { Principal } from '../auth/auth.schemas';
import { ScopeService } from '../auth/scope.service';
import { ApiDoc } from '../infra/http/openapi';
import { notFound, validate } from '../infra/http/problem';
import { ApprovalPage, ApprovalRecord, ListApprovalsQuery, VoteBody } from './approvals.schemas';
import { ApprovalsService } from './approvals.service';
import { pageInRange } from '../infra/http/time-range';

/** Approvals officers decide: playbook steps, circuit breakers, shares received for review. */
@Controller('v1/approvals')
@Roles('analyst', 'admin')
export class ApprovalsController {
  constructor(private readonly approvals: ApprovalsService, private readonly scope: ScopeService) {}

  @Get()
  @ApiDoc({ summary: 'Approvals of your jurisdictions (or that you may decide), newest first; ?status=pending for the queue', tags: ['approvals'], query: ListApprovalsQuery, response: ApprovalPage })
  async list(@Query() query: unknown, @CurrentPrincipal() who: Principal) {
    const q = validate(ListApprovalsQuery, query, 'query');
    if (q.jurisdiction) this.scope.resolve(who, q.jurisdiction);
    return pageInRange({ items: await this.approvals.list(who, q) }, (a) => a.created, q);
  }

  @Get(':id')
  @ApiDoc({ summary: 'One approval: the exact change, the evidence, votes so far', tags: ['approvals'], response: ApprovalRecord })
  async get(@Param('id') id: string, @CurrentPrincipal() who: Principal) {
    const a = await this.approvals.get(id);
    if (!a || !this.approvals.visible(a, who)) throw notFound(`approval ${id} does not exist`);
    return a;
  }

  @Post(':id/approve')
  @HttpCode(200)
  @ApiDoc({ summary: 'Approve (your key counts once toward the quorum; identity and jurisdiction are recorded)', tags: ['approvals'], body: VoteBody, response: ApprovalRecord })
  async approve(@Param('id') id: string, @Body() body: unknown, @CurrentPrincipal() who: Principal) {
    const b = validate(VoteBody, body, 'body');
    return this.approvals.vote(id, who, 'approve', b.comment || null);
  }

  @Post(':id/reject')
  @HttpCode(200)
  @ApiDoc({ summary: 'Reject (one rejection by an eligible approver denies the change)', tags: ['approvals'], body: VoteBody, response: ApprovalRecord })
  async reject(@Param('id') id: string, @Body() body: unknown, @CurrentPrincipal() who: Principal) {
    const b = validate(VoteBody, body, 'body');
    return this.approvals.vote(id, who, 'reject', b.comment || null);
  }
}
