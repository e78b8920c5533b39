import { Controller, Get, Query } from '@nestjs/common';
import { CurrentPrincipal, Roles } from '../auth/auth.decorators';
import type { Principal } from '../auth/auth.schemas';
import { ScopeService } from '../auth/scope.service';
import { ApiDoc } from '../infra/http/openapi';
import { badRequest, validate } from '../infra/http/problem';
import { canonicalIp } from '../normalize/ip';
import { decodeCursor } from './alerts.store';
import { AlertsStore } from './alerts.store';
import { AlertPage, ListAlertsQuery } from './alerts.schemas';
import { AlertEnrichment } from './alert-enrichment';

@Controller('v1/alerts')
@Roles('analyst', 'admin')
export class AlertsController {
  constructor(private readonly alerts: AlertsStore, private readonly scope: ScopeService, private readonly enrichment: AlertEnrichment) {}

  @Get()
  @ApiDoc({ summary: 'Stored alerts, newest first (by receive time), cursor-paginated', tags: ['alerts'], query: ListAlertsQuery, response: AlertPage })
  async list(@Query() query: unknown, @CurrentPrincipal() who: Principal) {
    const q = validate(ListAlertsQuery, query, 'query');
    let srcIp: string | undefined;
    if (q.src_ip) {
      srcIp = canonicalIp(q.src_ip) ?? undefined;
      if (!srcIp) throw badRequest(`query.src_ip: ${q.src_ip} is not an IP address`);
    }
    if (q.cursor && !decodeCursor(q.cursor)) throw badRequest('query.cursor: not a cursor returned by this endpoint');
    const page = await this.alerts.list(this.scope.readScope(who, q.jurisdiction), { ...q, srcIp });
    return { ...page, items: page.items.map((a) => ({ ...a, enrichment: this.enrichment.of(a.source.ip) })) };
  }
}
