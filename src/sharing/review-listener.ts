import { Injectable, type OnModuleInit } from '@nestjs/common';
import { jobId, ReviewDecidedJob } from '../contracts/jobs';
import { EventBus } from '../infra/events/event-bus';
import { QueuesService } from '../infra/queues/queues.service';

/** `approval.decided` for a review edge: queue the job that blocks (or denies) the inbox entry. One job id per approval. */
@Injectable()
export class ShareReviewListener implements OnModuleInit {
  constructor(
    private readonly events: EventBus,
    private readonly queues: QueuesService,
  ) {}

  onModuleInit() {
    this.events.on('approval.decided', async (e) => {
      if (e.kind !== 'share-review') return;
      await this.queues.enqueue(ReviewDecidedJob, { approvalId: e.approvalId, outcome: e.outcome, approved: e.approved, ...e.subject }, { jobId: jobId('approval-outcome', e.approvalId) });
    });
  }
}
