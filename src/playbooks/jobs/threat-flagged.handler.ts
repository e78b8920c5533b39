import { Injectable } from '@nestjs/common';
import { ThreatFlaggedJob, type JobPayload } from '../../contracts/jobs';
import { HandlesJob, type JobHandler } from '../../infra/queues/job-handler';
import { threatFlaggedTrigger } from '../model/variables';
import { RunEngine } from '../runs/engine.service';

/** `threat.flagged` from detection: start the runs of the playbooks it triggers. */
@Injectable()
@HandlesJob(ThreatFlaggedJob)
export class ThreatFlaggedHandler implements JobHandler<typeof ThreatFlaggedJob> {
  constructor(private readonly engine: RunEngine) {}

  async handle(payload: JobPayload<typeof ThreatFlaggedJob>) {
    return { runs: await this.engine.dispatch(threatFlaggedTrigger(payload)) };
  }
}
