import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { z } from 'zod';
import { CurrentPrincipal, Roles } from '../auth/auth.decorators';
import { actorOf, type Principal } from '../auth/auth.schemas';
import { ScopeService } from '../auth/scope.service';
import { Inject } from '@nestjs/common';
import { parseNet } from '../contracts/net';
import { CONFIG } from '../infra/config/config.module';
import type { GwanjeConfig } from '../infra/config/config.schema';
import { ApiDoc } from '../infra/http/openapi';
import { badRequest, forbidden, notFound, validate } from '../infra/http/problem';
import { JurisdictionsService } from '../jurisdictions/jurisdictions.service';
import { CreateShareBody, InboxView, ListSharesQuery, RevokeResultView, RevokeShareBody, ShareResultView, ShareView } from './sharing.schemas';
import { SharingRevocationService } from './revocation.service';
import { SharingService, viewOfShare } from './sharing.service';
import { SharingStore, type PageCursor } from './sharing.store';
import { pageInRange } from '../infra/http/time-range';

const encodeCursor = (ms: number, id: string, j: number) => `${ms}_${j}_${id}`;
function decodeCursor(c?: string): PageCursor | null {
  if (!c) return null;
  const m = /^(\d+)_(\d+)_([A-Za-z0-9-]+)$/.exec(c);
  if (!m) throw badRequest('query.cursor: not a cursor from a previous page');
  return { ms: Number(m[1]), id: m[3], key: Number(m[2]) };
}

@Controller('v1/shares')
@Roles('admin', 'analyst')
export class SharingController {
  constructor(
    private readonly sharing: SharingService,
    private readonly revocation: SharingRevocationService,
    private readonly store: SharingStore,
    private readonly scope: ScopeService,
    private readonly jurisdictions: JurisdictionsService,
    @Inject(CONFIG) private readonly config: GwanjeConfig,
  ) {}

  @Get()
  @ApiDoc({
    summary: 'Shares newest first: direction=out the ones your jurisdictions sent (with each target\'s outcome), direction=in your inboxes (what arrived, over which trust edge, and what the policy did)',
    tags: ['sharing'],
    query: ListSharesQuery,
    response: z.object({ items: z.array(z.union([ShareView, InboxView])), next: z.string().nullable() }),
  })
  async list(@Query() query: unknown, @CurrentPrincipal() who: Principal) {
    const q = validate(ListSharesQuery, query, 'query');
    const scope = this.scope.readScope(who, q.jurisdiction);
    const cursor = decodeCursor(q.cursor);
    let value: string | undefined;
    if (q.value) {
      const net = parseNet(q.value);
      if (!net) throw badRequest(`query.value: ${q.value} is not an IP address or CIDR`);
      value = net.text;
    }
    const now = Date.now();
    if (q.direction === 'out') {
      const rows = value ? await this.store.outPageByValue(scope, value, cursor, q.limit) : await this.store.outPage(scope, cursor, q.limit);
      const shares = await this.store.getShares(rows.map((r) => r.id));
      const items = shares.flatMap((s) => (s ? [viewOfShare(s, now)] : []));
      const last = rows[rows.length - 1];
      return pageInRange({ items, next: rows.length === q.limit && last ? encodeCursor(last.ms, last.id, last.key) : null }, (s) => s.created, q);
    }
    const rows = value ? await this.store.inPageByValue(scope, value, cursor, q.limit) : await this.store.inPage(scope, cursor, q.limit);
    const entries = await this.store.getEntries(rows.map((r) => [scope[r.key], r.id]));
    const last = rows[rows.length - 1];
    return pageInRange({ items: entries.filter((e) => !!e), next: rows.length === q.limit && last ? encodeCursor(last.ms, last.id, last.key) : null }, (e) => e.received, q);
  }

  @Get(':id')
  @ApiDoc({ summary: 'One share: provenance (origin, chain, run, evidence summary) and where it went', tags: ['sharing'], response: ShareView })
  async get(@Param('id') id: string, @CurrentPrincipal() who: Principal) {
    const s = await this.sharing.get(id);
    const visible = this.scope.visible(who);
    // Senders see their shares; receivers see the ones delivered to them.
    if (!s || !(visible.has(s.from) || s.deliveries.some((d) => d.delivered && visible.has(d.jurisdiction)) || this.isHub(who))) throw notFound(`share ${id} does not exist`);
    return s;
  }

  @Post()
  @HttpCode(201)
  @ApiDoc({
    summary: 'Share an indicator from a jurisdiction (default: the key\'s) to others or to peers; each receiver\'s trust policy decides. TLP:RED never leaves; forwarding narrows TLP and cuts cycles.',
    tags: ['sharing'],
    body: CreateShareBody,
    response: ShareResultView,
    status: 201,
  })
  async create(@Body() body: unknown, @CurrentPrincipal() who: Principal) {
    const b = validate(CreateShareBody, body, 'body');
    const from = this.scope.resolve(who, b.from);
    const r = await this.sharing.publish({
      value: b.value,
      from,
      to: b.to,
      tlp: b.tlp,
      score: b.score,
      confidence: b.confidence ?? b.score,
      ttl: b.ttl ?? this.config.sharing.defaultTtl,
      reason: b.reason,
      evidence: b.evidence ?? { rules: {}, firstSeen: null, lastSeen: null, alerts: 0, jurisdictions: [] },
      minConfidence: b.minConfidence,
      origin: { actor: actorOf(who) },
      idempotencyKey: b.idempotencyKey,
    });
    return { shareId: r.share.id, targets: r.deliveries.map(({ jurisdiction, delivered, reason }) => ({ jurisdiction, delivered, ...(reason ? { reason } : {}) })), share: viewOfShare(r) };
  }

  @Post(':id/revoke')
  @HttpCode(200)
  @ApiDoc({
    summary: 'Revoke a share: receivers\' decisions that rested only on it end (their own evidence or decisions keep theirs), forwarded copies are revoked, peers are told',
    tags: ['sharing'],
    body: RevokeShareBody,
    response: RevokeResultView,
  })
  async revoke(@Param('id') id: string, @Body() body: unknown, @CurrentPrincipal() who: Principal) {
    const b = validate(RevokeShareBody, body, 'body');
    const s = await this.sharing.get(id);
    if (!s) throw notFound(`share ${id} does not exist`);
    const local = !s.from.startsWith('peer:');
    if (local ? !this.scope.visible(who).has(s.from) : !this.isHub(who)) {
      if (!local || !s.deliveries.some((d) => this.scope.visible(who).has(d.jurisdiction))) throw notFound(`share ${id} does not exist`);
      throw forbidden(`share ${id} was sent by ${s.from}; only its sender (or a jurisdiction above it) may revoke it`);
    }
    return this.revocation.revoke(id, actorOf(who), b.reason);
  }

  private isHub(who: Principal): boolean {
    return this.jurisdictions.get(who.jurisdiction).hub;
  }
}
