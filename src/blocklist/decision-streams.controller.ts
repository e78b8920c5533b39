import { Controller, Get, Headers, Inject, Logger, Query, Req, Res } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { CurrentPrincipal, Roles } from '../auth/auth.decorators';
import type { Principal } from '../auth/auth.schemas';
import { CONFIG } from '../infra/config/config.module';
import type { GwanjeConfig } from '../infra/config/config.schema';
import { ApiDoc } from '../infra/http/openapi';
import { badRequest, serviceUnavailable, validate } from '../infra/http/problem';
import { ChangeFeed, type ChangeEvent } from './change-feed';
import { CrowdsecStream, CsStreamQuery, CsStreamResponse } from './crowdsec-stream.service';
import { viewOf } from './decisions.schemas';
import { FeedAccess } from './feeds/feed-access';

const EventsQuery = z.strictObject({ jurisdiction: z.string().optional().describe('default: every jurisdiction the key reads (a feed key: its own)') });

/** One SSE message: the stream id as the event id, so a reconnect (Last-Event-ID) resumes after it. */
export function sseMessage(e: ChangeEvent): string | null {
  const d = e.change.decision;
  if (!d) return null;
  const event = e.change.kind === 'created' ? 'decision.created' : 'decision.ended';
  const data = JSON.stringify({ jurisdiction: e.jurisdiction, cause: e.change.kind, decision: viewOf(d) });
  return `id: ${e.change.sid}\nevent: ${event}\ndata: ${data}\n\n`;
}

/** A slow reader is dropped rather than buffered without bound. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

/** Push and pull streams of decisions for enforcement points: the CrowdSec bouncer stream and Server-Sent Events. */
@Controller('v1/decisions')
export class DecisionStreamsController {
  private readonly log = new Logger('decision-streams');
  constructor(private readonly crowdsec: CrowdsecStream, private readonly feed: ChangeFeed, private readonly access: FeedAccess, @Inject(CONFIG) private readonly config: GwanjeConfig) {}

  @Get('stream')
  @Roles('feed', 'admin', 'analyst')
  @ApiDoc({
    summary:
      'CrowdSec LAPI bouncer stream for the key\'s jurisdiction: startup=true answers every active decision and resets the key\'s cursor; later pulls answer what changed since (ended and expired decisions in `deleted`). Arrays are never null.',
    tags: ['decisions', 'feeds'],
    query: CsStreamQuery,
    response: CsStreamResponse,
  })
  async stream(@Query() query: unknown, @Req() req: FastifyRequest, @CurrentPrincipal() who: Principal) {
    const q = validate(CsStreamQuery, query, 'query');
    const scopes = CrowdsecStream.parseScopes(q.scopes);
    if ('error' in scopes) throw badRequest(`query.${scopes.error}`);
    return this.crowdsec.pull(who.keyId, who.jurisdiction, { startup: q.startup === 'true', scopes, head: req.method === 'HEAD' });
  }

  @Get('events')
  @Roles('feed', 'admin', 'analyst')
  @RouteConfig({ compress: false })
  @ApiDoc({
    summary:
      'Server-Sent Events: `decision.created` and `decision.ended` (cause ended or expired) as they happen, from every API process; `: ping` comments keep the connection alive. Send Last-Event-ID to resume.',
    tags: ['decisions', 'feeds'],
    query: EventsQuery,
    produces: ['text/event-stream'],
  })
  async events(@Query() query: unknown, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @CurrentPrincipal() who: Principal, @Headers('last-event-id') lastEventId?: string) {
    const q = validate(EventsQuery, query, 'query');
    const jurisdictions = this.access.readable(who, q.jurisdiction);
    if (this.feed.listeners >= this.config.blocklist.sse.maxClients) throw serviceUnavailable(`too many event listeners (blocklist.sse.maxClients = ${this.config.blocklist.sse.maxClients})`);
    const from = lastEventId && /^\d+-\d+$/.test(lastEventId.trim()) ? lastEventId.trim() : null;

    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    let closed = false;
    let heartbeat: NodeJS.Timeout | null = null;
    let unsubscribe: (() => void) | null = null;
    const close = () => {
      if (closed) return;
      closed = true;
      if (heartbeat) clearInterval(heartbeat);
      unsubscribe?.();
      res.end();
    };
    const write = (text: string) => {
      if (closed) return;
      res.write(text);
      if (res.writableLength > MAX_BUFFERED_BYTES) {
        this.log.warn({ keyId: who.keyId }, 'event listener too slow; closing its stream');
        close();
      }
    };
    res.on('close', close);
    unsubscribe = await this.feed.subscribe(jurisdictions, from, (e) => {
      const msg = sseMessage(e);
      if (msg) write(msg);
    }, close);
    if (closed) return void unsubscribe();
    // Written once subscribed: a client that has read this line misses no later change.
    write(`retry: 3000\n: gwanje decision events for ${jurisdictions.join(', ')}\n\n`);
    heartbeat = setInterval(() => write(': ping\n\n'), this.config.blocklist.sse.heartbeatSeconds * 1000);
    heartbeat.unref();
    this.log.log({ keyId: who.keyId, jurisdictions: jurisdictions.length, resume: !!from }, 'event listener connected');
  }
}
