import { Inject, Injectable } from '@nestjs/common';
import { ReviewDecidedJob, SHARING_QUEUE, type JobPayload } from '../contracts/jobs';
import { CONFIG } from '../infra/config/config.module';
import type { GwanjeConfig } from '../infra/config/config.schema';
import { HandlesJob, WorksQueue, type JobHandler, type QueueWorker, type QueueWorkerSettings } from '../infra/queues/job-handler';
import { InboxPolicyService } from './inbox-policy.service';

/** A review edge's approval was decided: block the inbox entry, or deny it. Sharing's own queue. */
@Injectable()
@HandlesJob(ReviewDecidedJob)
@WorksQueue(SHARING_QUEUE)
export class ReviewDecidedHandler implements JobHandler<typeof ReviewDecidedJob>, QueueWorker {
  constructor(
    @Inject(CONFIG) private readonly config: GwanjeConfig,
    private readonly inbox: InboxPolicyService,
  ) {}

  workerSettings(): QueueWorkerSettings {
    return { run: this.config.role !== 'api', options: { concurrency: 2 } };
  }

  handle(payload: JobPayload<typeof ReviewDecidedJob>) {
    return this.inbox.onReviewDecided(payload);
  }
}
