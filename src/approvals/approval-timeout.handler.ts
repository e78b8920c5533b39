import { Injectable } from '@nestjs/common';
import { ApprovalTimeoutJob, type JobPayload } from '../contracts/jobs';
import { HandlesJob, type JobHandler } from '../infra/queues/job-handler';
import { ApprovalsService } from './approvals.service';

/** A pending approval's deadline passed: time it out (or report an outcome not yet announced). */
@Injectable()
@HandlesJob(ApprovalTimeoutJob)
export class ApprovalTimeoutHandler implements JobHandler<typeof ApprovalTimeoutJob> {
  constructor(private readonly approvals: ApprovalsService) {}

  async handle({ approvalId }: JobPayload<typeof ApprovalTimeoutJob>) {
    await this.approvals.timeout(approvalId);
    return {};
  }
}
