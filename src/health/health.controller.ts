import { Controller, Get, Header, Inject, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type Redis from 'ioredis';
import { z } from 'zod';
import { Public } from '../auth/auth.decorators';
import { ApiDoc } from '../infra/http/openapi';
import { MetricsService } from '../infra/metrics/metrics.service';
import { QueuesService } from '../infra/queues/queues.service';
import { REDIS } from '../infra/redis/redis.module';
import { INGEST_QUEUE } from '../contracts/jobs';
import { IngestTotals } from '../ingest/ingest-totals.service';

/** Deployment-wide (every API and worker process): a burst is fully decided when backlog is 0 and stored/scored stop moving. */
const IngestHealth = z.object({
  backlog: z.number().describe('alerts queued and not yet stored and scored'),
  received: z.number().describe('alerts accepted and queued, running total'),
  stored: z.number().describe('alerts stored (each id once), running total'),
  scored: z.number().describe('alerts scored by detection, running total'),
  shed: z.number().describe('syslog lines dropped past the back-pressure bounds, running total'),
  refusing: z.enum(['ingest_backlog', 'redis_memory_high']).nullable().describe('the problem code POST /v1/ingest answers now, if any'),
});
const Health = z.object({ status: z.enum(['ok', 'down']), redis: z.enum(['up', 'down']), queues: z.record(z.string(), z.record(z.string(), z.number())), ingest: IngestHealth.optional() });

@Controller()
@Public()
export class HealthController {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly queues: QueuesService,
    private readonly metrics: MetricsService,
    private readonly totals: IngestTotals,
  ) {}

  @Get('health')
  @ApiDoc({ summary: 'Liveness and readiness: Redis reachable, queue depths (503 when Redis is down)', tags: ['ops'], response: Health })
  async health(@Res({ passthrough: true }) reply: FastifyReply) {
    try {
      await this.redis.ping();
      this.queues.queue(INGEST_QUEUE);
      const [queues, totals] = await Promise.all([this.queues.depths(), this.totals.totals()]);
      const refusing = this.totals.refusalNow()?.code ?? null;
      return { status: 'ok', redis: 'up', queues, ingest: { ...totals, refusing } };
    } catch {
      reply.status(503);
      return { status: 'down', redis: 'down', queues: {} };
    }
  }

  @Get('metrics')
  @Header('content-type', 'text/plain; version=0.0.4')
  @ApiDoc({ summary: 'Prometheus metrics', tags: ['ops'], produces: ['text/plain'] })
  metricsText() {
    return this.metrics.registry.metrics();
  }
}
