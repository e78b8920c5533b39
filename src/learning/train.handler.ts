import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { LEARNING_QUEUE, TrainModelsJob, type JobPayload } from '../contracts/jobs';
import { configDuration } from '../contracts/duration';
import { CONFIG } from '../infra/config/config.module';
import type { GwanjeConfig } from '../infra/config/config.schema';
import { HandlesJob, WorksQueue, type JobHandler, type QueueWorker, type QueueWorkerSettings } from '../infra/queues/job-handler';
import { QueuesService } from '../infra/queues/queues.service';
import { LearningService } from './learning.service';

/** Train models (the scheduled run, or one queued on demand); new versions start in shadow. */
@Injectable()
@HandlesJob(TrainModelsJob)
export class TrainModelsHandler implements JobHandler<typeof TrainModelsJob> {
  constructor(private readonly learning: LearningService) {}

  async handle(payload: JobPayload<typeof TrainModelsJob>) {
    const r = await this.learning.trainAll(payload.by, payload.jurisdiction ? [payload.jurisdiction] : undefined);
    return { trained: r.trained.map((m) => m.id), skipped: r.skipped.length };
  }
}

/** The `learning` queue: one worker, one training at a time; the schedule is a repeatable job (one per deployment, whatever the number of processes). */
@Injectable()
@WorksQueue(LEARNING_QUEUE)
export class LearningQueue implements QueueWorker, OnApplicationBootstrap {
  private readonly log = new Logger('learning');
  constructor(@Inject(CONFIG) private readonly config: GwanjeConfig, private readonly queues: QueuesService) {}

  workerSettings(): QueueWorkerSettings {
    return { run: this.config.role !== 'api' && this.config.learning.enabled, options: { concurrency: 1, lockDuration: 300_000 } };
  }

  async onApplicationBootstrap() {
    const c = this.config.learning;
    const queue = this.queues.queue(LEARNING_QUEUE);
    const every = c.trainEvery ? configDuration(c.trainEvery) : 0;
    if (!c.enabled || every <= 0) {
      await queue.removeJobScheduler('learning-train');
      return;
    }
    await queue.upsertJobScheduler('learning-train', { every }, { name: TrainModelsJob.name, data: { by: 'schedule' } });
    this.log.log({ every: c.trainEvery }, 'scheduled training');
  }
}
