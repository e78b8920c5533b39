import { Injectable } from '@nestjs/common';
import { BreakerDecidedJob, type JobPayload } from '../../contracts/jobs';
import { HandlesJob, type JobHandler } from '../../infra/queues/job-handler';
import { RunEngine } from '../runs/engine.service';

/** A circuit breaker's approval was decided: approved closes it. */
@Injectable()
@HandlesJob(BreakerDecidedJob)
export class BreakerDecidedHandler implements JobHandler<typeof BreakerDecidedJob> {
  constructor(private readonly engine: RunEngine) {}

  async handle(payload: JobPayload<typeof BreakerDecidedJob>) {
    await this.engine.breakerDecided(payload);
    return {};
  }
}
