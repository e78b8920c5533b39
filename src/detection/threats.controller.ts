import { Controller, Get, Param, Query } from '@nestjs/common';
import { CurrentPrincipal, Roles } from '../auth/auth.decorators';
import type { Principal } from '../auth/auth.schemas';
import { ScopeService } from '../auth/scope.service';
import { ApiDoc } from '../infra/http/openapi';
import { badRequest, notFound, validate } from '../infra/http/problem';
import { JurisdictionsService } from '../jurisdictions/jurisdictions.service';
import { canonicalIp } from '../normalize/ip';
import { ThreatViewsService } from './threat-views.service';
import { IpProfile, ListThreatsQuery, ThreatList } from './threats.schemas';

/** Scored source IPs. A key sees only what its own (and its children's) sensors reported. */
@Controller('v1')
@Roles('analyst', 'admin')
export class ThreatsController {
  constructor(private readonly views: ThreatViewsService, private readonly scope: ScopeService, private readonly jurisdictions: JurisdictionsService) {}

  @Get('threats')
  @ApiDoc({ summary: 'Source IPs by current (decayed) score, with the contributions that make it up', tags: ['detection'], query: ListThreatsQuery, response: ThreatList })
  async list(@Query() query: unknown, @CurrentPrincipal() who: Principal) {
    const q = validate(ListThreatsQuery, query, 'query');
    const visible = this.scope.readScope(who, q.jurisdiction);
    const all = !q.jurisdiction && visible.length === this.jurisdictions.list().length;
    return this.views.threats(visible, q, all);
  }

  @Get('ips/:ip')
  @ApiDoc({ summary: "An IP's profile: score and contributions, flag state, first/last seen, jurisdictions, alert counts by signature, recent alerts, country/AS", tags: ['detection'], response: IpProfile })
  async profile(@Param('ip') ipText: string, @CurrentPrincipal() who: Principal) {
    const ip = canonicalIp(ipText);
    if (!ip) throw badRequest(`params.ip: ${ipText} is not an IP address`);
    const profile = await this.views.profile(ip, this.scope.readScope(who));
    if (!profile) throw notFound(`no alerts from ${ip} in the jurisdictions this key sees`);
    return profile;
  }
}
