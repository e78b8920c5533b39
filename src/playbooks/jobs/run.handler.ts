import { Injectable, Logger } from '@nestjs/common';
import { UnrecoverableError, type Job } from 'bullmq';
import { RunJob, type JobPayload } from '../../contracts/jobs';
import { HandlesJob, type JobHandler } from '../../infra/queues/job-handler';
import { RunBusyError, RunEngine } from '../runs/engine.service';

/** Advance a run. On its last attempt (or a permanent error) the run is failed, so it never hangs in `running`. */
@Injectable()
@HandlesJob(RunJob)
export class RunHandler implements JobHandler<typeof RunJob> {
  private readonly log = new Logger('playbooks-worker');

  constructor(private readonly engine: RunEngine) {}

  async handle({ runId }: JobPayload<typeof RunJob>, job: Job) {
    try {
      const run = await this.engine.advance(runId);
      return { status: run?.status ?? 'missing' };
    } catch (err) {
      const last = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      // A busy run (another worker holds it) is retried, unless this was the last attempt.
      if ((last || err instanceof UnrecoverableError) && !(err instanceof RunBusyError && !last)) {
        await this.engine.failById(runId, `gave up after ${job.attemptsMade + 1} attempts: ${(err as Error).message}`).catch(() => undefined);
      }
      if (!(err instanceof RunBusyError)) this.log.warn({ err, job: job.name, jobId: job.id, attempt: job.attemptsMade + 1 }, 'playbooks job failed');
      throw err;
    }
  }
}
