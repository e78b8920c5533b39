import { Injectable } from '@nestjs/common';
import { SharedIndicatorJob, type JobPayload } from '../../contracts/jobs';
import { HandlesJob, type JobHandler } from '../../infra/queues/job-handler';
import { sharedIndicatorTrigger } from '../model/variables';
import { RunEngine } from '../runs/engine.service';

/** `shared.indicator` from sharing: start the runs of the receiving jurisdiction's playbooks. */
@Injectable()
@HandlesJob(SharedIndicatorJob)
export class SharedIndicatorHandler implements JobHandler<typeof SharedIndicatorJob> {
  constructor(private readonly engine: RunEngine) {}

  async handle(payload: JobPayload<typeof SharedIndicatorJob>) {
    return { runs: await this.engine.dispatch(sharedIndicatorTrigger(payload)) };
  }
}
