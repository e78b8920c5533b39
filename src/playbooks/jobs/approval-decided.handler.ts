import { Injectable } from '@nestjs/common';
import { ApprovalDecidedJob, type JobPayload } from '../../contracts/jobs';
import { HandlesJob, type JobHandler } from '../../infra/queues/job-handler';
import { RunEngine } from '../runs/engine.service';

/** An approve step's approval was decided: resume (or end) the run. */
@Injectable()
@HandlesJob(ApprovalDecidedJob)
export class ApprovalDecidedHandler implements JobHandler<typeof ApprovalDecidedJob> {
  constructor(private readonly engine: RunEngine) {}

  async handle(payload: JobPayload<typeof ApprovalDecidedJob>) {
    await this.engine.approvalDecided(payload);
    return {};
  }
}
