import { Controller, Get, Query } from '@nestjs/common';
import { CurrentPrincipal, Roles } from '../auth/auth.decorators';
import type { Principal } from '../auth/auth.schemas';
import { ScopeService } from '../auth/scope.service';
import { ApiDoc } from '../infra/http/openapi';
import { validate } from '../infra/http/problem';
import { Overview, OverviewQuery } from './overview.schemas';
import { OverviewService } from './overview.service';

@Controller('v1/overview')
@Roles('analyst', 'admin')
export class OverviewController {
  constructor(private readonly overview: OverviewService, private readonly scope: ScopeService) {}

  @Get()
  @ApiDoc({
    summary:
      "A dashboard's first screen: alerts per minute, IPs flagged, active decisions, pending approvals, top rules and source countries over the window. A piece whose domain is not running is null.",
    tags: ['overview'],
    query: OverviewQuery,
    response: Overview,
  })
  async get(@Query() query: unknown, @CurrentPrincipal() who: Principal) {
    const q = validate(OverviewQuery, query, 'query');
    return this.overview.overview(who, this.scope.readScope(who, q.jurisdiction), q.window);
  }
}
