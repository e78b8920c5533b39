import { Controller, Get, Param, Query } from '@nestjs/common';
import { z } from 'zod';
import { CurrentPrincipal, Roles } from '../../auth/auth.decorators';
import type { Principal } from '../../auth/auth.schemas';
import { ScopeService } from '../../auth/scope.service';
import { parseNet } from '../../contracts/net';
import { ApiDoc } from '../../infra/http/openapi';
import { badRequest, notFound, validate } from '../../infra/http/problem';
import { RunRecord } from '../engine/run.types';
import { ListRunsQuery, RunPage } from '../playbooks.schemas';
import { RunsStore } from './runs.store';
import { TagsStore } from './tags.store';
import { pageInRange } from '../../infra/http/time-range';

@Controller('v1')
@Roles('analyst', 'admin')
export class RunsController {
  constructor(private readonly runs: RunsStore, private readonly tags: TagsStore, private readonly scope: ScopeService) {}

  @Get('runs')
  @ApiDoc({ summary: 'Playbook runs of your jurisdictions, newest first; filter by playbook and status (failed runs land here after their retries)', tags: ['playbooks'], query: ListRunsQuery, response: RunPage })
  async list(@Query() query: unknown, @CurrentPrincipal() who: Principal) {
    const q = validate(ListRunsQuery, query, 'query');
    const page = await this.runs.list({ playbook: q.playbook, status: q.status, owners: this.scope.visible(who), limit: q.limit, before: q.cursor });
    return pageInRange(page, (r) => r.created, q);
  }

  @Get('runs/:id')
  @ApiDoc({ summary: "One run: the playbook version, the trigger, each step's input, result, timing and status", tags: ['playbooks'], response: RunRecord })
  async get(@Param('id') id: string, @CurrentPrincipal() who: Principal) {
    const run = await this.runs.get(id);
    if (!run || !this.scope.visible(who).has(run.playbook.owner)) throw notFound(`run ${id} does not exist`);
    return run;
  }

  @Get('ip-tags/:ip')
  @ApiDoc({ summary: 'Tags playbooks put on an IP in your jurisdictions', tags: ['playbooks'], response: z.object({ ip: z.string(), tags: z.array(z.record(z.string(), z.unknown())) }) })
  async ipTags(@Param('ip') ip: string, @CurrentPrincipal() who: Principal) {
    const net = parseNet(ip);
    if (!net) throw badRequest(`params.ip: ${ip} is not an IP address or CIDR`);
    return { ip: net.text, tags: await this.tags.get(net.text, this.scope.visible(who)) };
  }
}
