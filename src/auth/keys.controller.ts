import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiDoc } from '../infra/http/openapi';
import { validate } from '../infra/http/problem';
import { ApiKeysService } from './api-keys.service';
import { CurrentPrincipal, Roles } from './auth.decorators';
import { ApiKeyRecord, CreateKeyBody, ListKeysQuery, actorOf, type Principal } from './auth.schemas';
import { ScopeService } from './scope.service';
import { z } from 'zod';

@Controller('v1/keys')
@Roles('admin')
export class KeysController {
  constructor(private readonly keys: ApiKeysService, private readonly scope: ScopeService) {}

  @Post()
  @HttpCode(201)
  @ApiDoc({ summary: 'Create an API key (the key is shown once)', tags: ['keys'], body: CreateKeyBody, response: z.object({ key: z.string(), record: ApiKeyRecord }) })
  async create(@Body() body: unknown, @CurrentPrincipal() who: Principal) {
    const input = validate(CreateKeyBody, body, 'body');
    const jurisdiction = this.scope.resolve(who, input.jurisdiction);
    return this.keys.create({ role: input.role, jurisdiction, name: input.name, createdBy: actorOf(who) });
  }

  @Get()
  @ApiDoc({ summary: 'List API keys in your jurisdictions (secrets are never shown)', tags: ['keys'], query: ListKeysQuery, response: z.object({ items: z.array(ApiKeyRecord) }) })
  async list(@Query() query: unknown, @CurrentPrincipal() who: Principal) {
    const q = validate(ListKeysQuery, query, 'query');
    const scope = new Set(this.scope.readScope(who, q.jurisdiction));
    return { items: (await this.keys.list()).filter((k) => scope.has(k.jurisdiction)) };
  }

  @Delete(':id')
  @ApiDoc({ summary: 'Revoke an API key', tags: ['keys'], response: ApiKeyRecord })
  revoke(@Param('id') id: string, @CurrentPrincipal() who: Principal) {
    return this.keys.revoke(id, this.scope.visible(who), actorOf(who));
  }
}
