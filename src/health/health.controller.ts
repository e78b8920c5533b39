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

const Health = z.object({ status: z.enum(['ok', 'down']), redis: z.enum(['up', 'down']), queues: z.record(z.string(), z.record(z.string(), z.number())) });

@Controller()
@Public()
export class HealthController {
  constructor(@Inject(REDIS) private readonly redis: Redis, private readonly queues: QueuesService, private readonly metrics: MetricsService) {}

  @Get('health')
  @ApiDoc({ summary: 'Liveness and readiness: Redis reachable, queue depths (503 when Redis is down)', tags: ['ops'], response: Health })
  async health(@Res({ passthrough: true }) reply: FastifyReply) {
    try {
      await this.redis.ping();
      this.queues.queue(INGEST_QUEUE);
      return { status: 'ok', redis: 'up', queues: await this.queues.depths() };
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
