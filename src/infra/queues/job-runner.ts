import { Inject, Injectable, Logger, Module, type OnApplicationBootstrap, type OnModuleInit } from '@nestjs/common';
import { DiscoveryModule, DiscoveryService, Reflector } from '@nestjs/core';
import { UnrecoverableError, type Job } from 'bullmq';
import { ALL_JOBS, type JobDefinition } from '../../contracts/jobs';
import { CONFIG } from '../config/config.module';
import type { GwanjeConfig } from '../config/config.schema';
import { parsePayload } from './job';
import { JOB_HANDLER, QUEUE_WORKER, type JobHandler, type QueueWorker } from './job-handler';
import { QueuesService } from './queues.service';

export interface FoundHandler {
  def: JobDefinition;
  handler: JobHandler<JobDefinition>;
  /** The handler's class name, for messages. */
  name: string;
}

/**
 * Every job of `jobs` must have exactly one handler, and every handler must be for one of them.
 * Returns what is wrong (empty when all is well).
 */
export function handlerProblems(jobs: readonly JobDefinition[], found: readonly FoundHandler[]): string[] {
  const problems: string[] = [];
  for (const def of jobs) {
    const mine = found.filter((f) => f.def.name === def.name);
    if (mine.length === 0) problems.push(`job ${def.name} (queue ${def.queue}) has no handler`);
    else if (mine.length > 1) problems.push(`job ${def.name} has ${mine.length} handlers: ${mine.map((f) => f.name).join(', ')}`);
    else if (mine[0].def !== def) problems.push(`job ${def.name}: ${mine[0].name} handles another definition of it`);
  }
  for (const f of found) if (!jobs.some((d) => d.name === f.def.name)) problems.push(`${f.name} handles ${f.def.name}, which is not in src/contracts/jobs.ts (ALL_JOBS)`);
  return problems;
}

/** Looks the handler up by name (a map, not a switch) and gives it the validated payload. */
export function dispatcher(handlers: readonly FoundHandler[], queue: string) {
  const byName = new Map(handlers.map((h) => [h.def.name, h]));
  return async (job: Job): Promise<unknown> => {
    const h = byName.get(job.name);
    if (!h) throw new UnrecoverableError(`unexpected job ${job.name} on queue ${queue}`);
    return h.handler.handle(parsePayload(h.def, job.data), job);
  };
}

/** Finds the job handlers and queue settings, checks them at start-up, and starts the workers. */
@Injectable()
export class JobRunner implements OnModuleInit, OnApplicationBootstrap {
  private readonly log = new Logger('jobs');
  private handlers: FoundHandler[] = [];
  private settings = new Map<string, QueueWorker>();

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly reflector: Reflector,
    private readonly queues: QueuesService,
    @Inject(CONFIG) private readonly config: GwanjeConfig,
  ) {}

  /** Fails start-up when a job has no handler or two. */
  onModuleInit() {
    this.handlers = [];
    for (const w of this.discovery.getProviders()) {
      if (!w.metatype || !w.instance || typeof w.metatype !== 'function') continue;
      const def = this.reflector.get<JobDefinition | undefined>(JOB_HANDLER, w.metatype);
      if (def) this.handlers.push({ def, handler: w.instance as JobHandler<JobDefinition>, name: w.metatype.name });
      const queue = this.reflector.get<string | undefined>(QUEUE_WORKER, w.metatype);
      if (queue) {
        if (this.settings.has(queue)) throw new Error(`queue ${queue} has two worker settings`);
        this.settings.set(queue, w.instance as QueueWorker);
      }
    }
    const problems = handlerProblems(ALL_JOBS, this.handlers);
    if (problems.length) throw new Error(`job handlers: ${problems.join('; ')}`);
  }

  /** After every module's own start-up (playbooks and rules loaded), so a job never meets a half-started process. */
  onApplicationBootstrap() {
    const queues = [...new Set(this.handlers.map((h) => h.def.queue))];
    for (const queue of queues) {
      const s = this.settings.get(queue)?.workerSettings() ?? { run: this.config.role !== 'api' };
      if (!s.run) continue;
      const mine = this.handlers.filter((h) => h.def.queue === queue);
      this.queues.worker(queue, dispatcher(mine, queue), s.options ?? {});
      this.log.log({ queue, jobs: mine.map((h) => h.def.name), concurrency: s.options?.concurrency }, 'worker started');
    }
  }
}

/** Infra, imported last by the app module so its start-up hook runs after the domains'. */
@Module({ imports: [DiscoveryModule], providers: [JobRunner] })
export class JobsModule {}
