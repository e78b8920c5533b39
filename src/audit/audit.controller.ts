import { Controller, Get, Query } from '@nestjs/common';
import { z } from 'zod';
import { CurrentPrincipal, Roles } from '../auth/auth.decorators';
import type { Principal } from '../auth/auth.schemas';
import { ScopeService } from '../auth/scope.service';
import { ApiDoc } from '../infra/http/openapi';
import { validate } from '../infra/http/problem';
import { JurisdictionsService } from '../jurisdictions/jurisdictions.service';
import { AuditEntry, ListAuditQuery } from './audit.schemas';
import { AuditService } from './audit.service';

@Controller('v1/audit')
@Roles('admin', 'analyst')
export class AuditController {
  constructor(private readonly audit: AuditService, private readonly scope: ScopeService, private readonly jurisdictions: JurisdictionsService) {}

  @Get()
  @ApiDoc({ summary: 'Audit trail, oldest first from `since`/`cursor`; hub keys also see deployment-wide entries', tags: ['audit'], query: ListAuditQuery, response: z.object({ items: z.array(AuditEntry), next: z.string().nullable() }) })
  list(@Query() query: unknown, @CurrentPrincipal() who: Principal) {
    const q = validate(ListAuditQuery, query, 'query');
    const hub = this.jurisdictions.get(who.jurisdiction).hub && !q.jurisdiction;
    return this.audit.list({ since: q.since, limit: q.limit, after: q.cursor ? Number(q.cursor) : undefined, jurisdictions: hub ? undefined : new Set(this.scope.readScope(who, q.jurisdiction)) });
  }

  @Get('verify')
  @Roles('admin')
  @ApiDoc({ summary: 'Recompute the hash chain and name the first broken entry', tags: ['audit'], response: z.object({ valid: z.boolean(), entries: z.number(), firstBroken: z.object({ seq: z.number(), reason: z.string() }).nullable() }) })
  verify() {
    return this.audit.verify();
  }
}
