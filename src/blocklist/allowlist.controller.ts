import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { z } from 'zod';
import { CurrentPrincipal, Roles } from '../auth/auth.decorators';
import { actorOf, type Principal } from '../auth/auth.schemas';
import { ScopeService } from '../auth/scope.service';
import { ApiDoc } from '../infra/http/openapi';
import { badRequest, forbidden, notFound, validate } from '../infra/http/problem';
import { JurisdictionsService } from '../jurisdictions/jurisdictions.service';
import {
  AddAllowlistBody,
  AddAllowlistResponse,
  AllowlistEntry,
  AllowlistMatch,
  CheckAllowlistQuery,
  CheckAllowlistResponse,
  ListAllowlistQuery,
  RemoveAllowlistBody,
  RemoveAllowlistQuery,
} from './allowlist.schemas';
import { AllowlistService } from './allowlist.service';
import { parseDuration } from '../contracts/duration';
import { parseNet } from '../contracts/net';

/** `30d` from now or an ISO 8601 time → ISO; null when neither. */
export function parseExpiry(text: string, now = Date.now()): string | null {
  const ms = parseDuration(text);
  if (ms !== null) return new Date(now + ms).toISOString();
  if (!/^\d{4}-\d{2}-\d{2}/.test(text)) return null;
  const t = Date.parse(text);
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}

@Controller('v1/allowlist')
@Roles('admin', 'analyst')
export class AllowlistController {
  constructor(private readonly allowlist: AllowlistService, private readonly scope: ScopeService, private readonly jurisdictions: JurisdictionsService) {}

  /** Global entries are the hub admins' (they apply to every jurisdiction); others act for their scope. */
  private assertMayChange(who: Principal, jurisdiction: string | null) {
    if (jurisdiction === null) {
      if (who.role !== 'admin' || !this.jurisdictions.get(who.jurisdiction).hub) throw forbidden('global allowlist entries are changed by hub admins only');
      return;
    }
    this.scope.resolve(who, jurisdiction);
  }

  @Get()
  @ApiDoc({ summary: 'Allowlist entries that apply in your jurisdictions (global ones included); ?bundled=true adds the bundled never-block ranges and jurisdictions\' own networks', tags: ['allowlist'], query: ListAllowlistQuery, response: z.object({ items: z.array(AllowlistEntry), bundled: z.array(AllowlistMatch).optional() }) })
  async list(@Query() query: unknown, @CurrentPrincipal() who: Principal) {
    const q = validate(ListAllowlistQuery, query, 'query');
    const scope = new Set(this.scope.readScope(who, q.jurisdiction));
    if (q.jurisdiction) for (const a of this.jurisdictions.ancestors(q.jurisdiction)) scope.add(a);
    const items = await this.allowlist.list(scope);
    return q.bundled ? { items, bundled: this.allowlist.fixedEntries() } : { items };
  }

  @Post()
  @HttpCode(201)
  @ApiDoc({ summary: 'Add a never-block entry; active decisions it overlaps are ended (and audited)', tags: ['allowlist'], body: AddAllowlistBody, response: AddAllowlistResponse, status: 201 })
  async add(@Body() body: unknown, @CurrentPrincipal() who: Principal) {
    const b = validate(AddAllowlistBody, body, 'body');
    if (!parseNet(b.value)) throw badRequest(`body.value: ${b.value} is not an IP address or CIDR`);
    const jurisdiction = b.global ? null : this.scope.resolve(who, b.jurisdiction);
    this.assertMayChange(who, jurisdiction);
    const expires = b.expires === undefined ? null : parseExpiry(b.expires);
    if (b.expires !== undefined && expires === null) throw badRequest(`body.expires: ${b.expires} is neither a duration (30d) nor an ISO 8601 time`);
    return this.allowlist.add({ value: b.value, jurisdiction, reason: b.reason, expires, actor: actorOf(who) });
  }

  @Delete(':id')
  @ApiDoc({ summary: 'Remove an allowlist entry (reason in the body or ?reason=)', tags: ['allowlist'], body: RemoveAllowlistBody, response: AllowlistEntry })
  async remove(@Param('id') id: string, @Body() body: unknown, @Query() query: unknown, @CurrentPrincipal() who: Principal) {
    const q = validate(RemoveAllowlistQuery, query, 'query');
    const reason = body === undefined || body === null ? q.reason : validate(RemoveAllowlistBody, body, 'body').reason;
    if (!reason) throw badRequest('reason: say why the entry is removed (body {"reason": …} or ?reason=)');
    const entry = await this.allowlist.get(id);
    // An entry the key cannot list (a sibling's, a cousin's) answers exactly as a missing one.
    if (entry.jurisdiction !== null && !this.scope.visible(who).has(entry.jurisdiction) && !this.jurisdictions.ancestors(who.jurisdiction).includes(entry.jurisdiction))
      throw notFound(`allowlist entry ${id} does not exist`);
    this.assertMayChange(who, entry.jurisdiction);
    return this.allowlist.remove(id, { actor: actorOf(who), reason });
  }

  @Get('check/:ip')
  @ApiDoc({ summary: 'Whether an address may be blocked in a jurisdiction, and which entry forbids it', tags: ['allowlist'], query: CheckAllowlistQuery, response: CheckAllowlistResponse })
  async check(@Param('ip') ip: string, @Query() query: unknown, @CurrentPrincipal() who: Principal) {
    const q = validate(CheckAllowlistQuery, query, 'query');
    const jurisdiction = this.scope.resolve(who, q.jurisdiction);
    const net = parseNet(ip);
    if (!net) throw badRequest(`params.ip: ${ip} is not an IP address`);
    const { match } = await this.allowlist.match(net, jurisdiction, { fresh: true });
    return { ip: net.text, jurisdiction, allowlisted: !!match, reason: match ? AllowlistService.describe(net.text, match) : null, match };
  }
}
