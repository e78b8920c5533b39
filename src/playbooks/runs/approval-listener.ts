import { Injectable, type OnModuleInit } from '@nestjs/common';
import { ApprovalDecidedJob, BreakerDecidedJob, jobId } from '../../contracts/jobs';
import { EventBus } from '../../infra/events/event-bus';
import { QueuesService } from '../../infra/queues/queues.service';

/**
 * `approval.decided` for an approve step or a circuit breaker: queue the job that resumes the run
 * (or closes the breaker). One job id per approval, so an outcome announced twice acts once.
 */
@Injectable()
export class PlaybookApprovalListener implements OnModuleInit {
  constructor(
    private readonly events: EventBus,
    private readonly queues: QueuesService,
  ) {}

  onModuleInit() {
    this.events.on('approval.decided', async (e) => {
      const outcome = { approvalId: e.approvalId, outcome: e.outcome, approved: e.approved };
      const opts = { jobId: jobId('approval-outcome', e.approvalId) };
      if (e.kind === 'playbook-step') await this.queues.enqueue(ApprovalDecidedJob, { ...e.subject, ...outcome }, opts);
      else if (e.kind === 'circuit-breaker') await this.queues.enqueue(BreakerDecidedJob, { ...e.subject, ...outcome }, opts);
    });
  }
}
