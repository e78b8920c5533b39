import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Queue, Worker, type Job, type JobsOptions, type Processor, type WorkerOptions } from 'bullmq';
import type Redis from 'ioredis';
import { CONFIG } from '../config/config.module';
import type { GwanjeConfig } from '../config/config.schema';
import type { RedisTarget } from '../redis/embedded-redis';
import { REDIS, REDIS_TARGET } from '../redis/redis.module';
import { createRedis } from '../redis/redis.connection';
import { isRedisConnectionError, RedisHealth } from '../redis/redis.health';
import { QUEUE_RETENTION, type JobDefinition, type JobInput } from '../../contracts/jobs';
import { DEFAULT_JOB_OPTIONS } from './job';

/**
 * Owns every BullMQ queue and worker of the process, and the shutdown order:
 * workers drain first, then queues close, then the shared Redis client.
 */
@Injectable()
export class QueuesService implements OnApplicationShutdown {
  private readonly log = new Logger('queues');
  private readonly queues = new Map<string, Queue>();
  private readonly workers: Worker[] = [];
  /** BullMQ never closes a connection it was handed, so the workers' own are closed here. */
  private readonly workerConnections: Redis[] = [];
  private queueConnection?: Redis;
  readonly prefix: string;

  constructor(
    @Inject(REDIS_TARGET) private readonly target: RedisTarget,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(CONFIG) config: GwanjeConfig,
    private readonly health: RedisHealth,
  ) {
    this.prefix = `${config.redis.keyPrefix}:q`;
  }

  queue(name: string): Queue {
    let q = this.queues.get(name);
    if (!q) {
      // Producers never block, so not the queue options: a bounded retry lets an add fail (503) while Redis is down instead of waiting for it.
      this.queueConnection ??= createRedis(this.target, false, this.health);
      q = new Queue(name, { connection: this.queueConnection, prefix: this.prefix, defaultJobOptions: { ...DEFAULT_JOB_OPTIONS, ...QUEUE_RETENTION[name] } });
      // Lost connections are logged once per outage by RedisHealth.
      q.on('error', (err) => {
        if (!isRedisConnectionError(err)) this.log.error({ err, queue: name }, 'queue error');
      });
      this.queues.set(name, q);
    }
    return q;
  }

  /**
   * Add a job, its data checked against the job's payload type; the job id is explicit (idempotent
   * re-delivery), the job's own options apply under the caller's.
   */
  enqueue<J extends JobDefinition>(def: J, data: JobInput<J>, opts: JobsOptions & { jobId: string }): Promise<Job> {
    return this.queue(def.queue).add(def.name, data, { ...def.options, ...opts });
  }

  /** Many jobs of one kind at once (one round trip). */
  enqueueBulk<J extends JobDefinition>(def: J, jobs: ReadonlyArray<{ data: JobInput<J>; opts: JobsOptions & { jobId: string } }>): Promise<Job[]> {
    return this.queue(def.queue).addBulk(jobs.map((j) => ({ name: def.name, data: j.data, opts: { ...def.options, ...j.opts } })));
  }

  /** Start a worker; many processes on many machines may run one for the same queue. */
  worker(name: string, processor: Processor, options: Partial<WorkerOptions> = {}): Worker {
    const connection = createRedis(this.target, true, this.health);
    this.workerConnections.push(connection);
    const w = new Worker(name, processor, { connection, prefix: this.prefix, concurrency: 4, ...options });
    w.on('failed', (job, err) => this.log.warn({ queue: name, jobId: job?.id, job: job?.name, attempts: job?.attemptsMade, err: err.message }, 'job failed'));
    w.on('error', (err) => {
      if (!isRedisConnectionError(err)) this.log.error({ err, queue: name }, 'worker error');
    });
    this.workers.push(w);
    return w;
  }

  async depths(): Promise<Record<string, Record<string, number>>> {
    const out: Record<string, Record<string, number>> = {};
    for (const [name, q] of this.queues) out[name] = await q.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed');
    return out;
  }

  async onApplicationShutdown() {
    await Promise.allSettled(this.workers.map((w) => w.close()));
    await Promise.allSettled(this.workerConnections.map((c) => c.quit().catch(() => c.disconnect())));
    await Promise.allSettled([...this.queues.values()].map((q) => q.close()));
    await this.queueConnection?.quit().catch(() => undefined);
    await this.redis.quit().catch(() => this.redis.disconnect());
    this.log.log('queues and Redis closed');
  }
}
