import { SetMetadata } from '@nestjs/common';
import type { Job, WorkerOptions } from 'bullmq';
import type { JobDefinition, JobPayload } from '../../contracts/jobs';

/**
 * One small class per job: `@HandlesJob(SomeJob)` on a provider with `handle(payload, job)`. The
 * job runner (job-runner.ts) finds them through Nest's discovery, checks at start-up that every job
 * of src/contracts/jobs.ts has exactly one, starts one worker per queue and hands each job to its
 * handler with the payload validated (bad data → UnrecoverableError, never retried). A handler's
 * error is rethrown, so BullMQ retries.
 */
export interface JobHandler<J extends JobDefinition> {
  handle(payload: JobPayload<J>, job: Job): Promise<unknown>;
}

export const JOB_HANDLER = 'gwanje:job-handler';
export const HandlesJob = (def: JobDefinition) => SetMetadata(JOB_HANDLER, def);

/** How a queue's worker runs in this process; `run: false` leaves the queue to other processes. */
export interface QueueWorkerSettings {
  run: boolean;
  options?: Partial<WorkerOptions>;
}

/**
 * `@WorksQueue(name)` on a provider with `workerSettings()`: the domain that owns a queue says how
 * its worker runs (concurrency, lock, back-off). A queue without one runs with the defaults in every
 * process whose role is not `api`.
 */
export interface QueueWorker {
  workerSettings(): QueueWorkerSettings;
}

export const QUEUE_WORKER = 'gwanje:queue-worker';
export const WorksQueue = (queue: string) => SetMetadata(QUEUE_WORKER, queue);
