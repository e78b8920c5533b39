import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { UnrecoverableError, type Job } from 'bullmq';
import { ThreatFlaggedJob } from '../../detection/threat-flagged.job';
import { CONFIG } from '../../infra/config/config.module';
import type { GwanjeConfig } from '../../infra/config/config.schema';
import { parsePayload } from '../../infra/queues/job';
import { QueuesService } from '../../infra/queues/queues.service';
import { ApprovalsService } from '../approvals/approvals.service';
import { sharedIndicatorTrigger, threatFlaggedTrigger } from '../model/variables';
import { ApprovalDecidedJob, ApprovalTimeoutJob, BreakerDecidedJob, RunJob } from '../jobs';
import { PLAYBOOKS_QUEUE, SharedIndicatorJob } from '../triggers';
import { RunBusyError, RunEngine } from './engine.service';

/**
 * Consumes the `playbooks` queue (worker role): triggers (threat.flagged, shared.indicator) start
 * runs; run jobs advance them; approval outcomes and deadlines resume them. Everything is in Redis,
 * so a worker killed at any point is replaced by another that picks up where it stopped.
 */
@Injectable()
export class PlaybooksWorker implements OnApplicationBootstrap {
  private readonly log = new Logger('playbooks-worker');

  constructor(
    @Inject(CONFIG) private readonly config: GwanjeConfig,
    private readonly queues: QueuesService,
    private readonly engine: RunEngine,
    private readonly approvals: ApprovalsService,
  ) {}

  onApplicationBootstrap() {
    if (this.config.role === 'api' || !this.config.playbooks.enabled) return;
    this.queues.worker(PLAYBOOKS_QUEUE, (job) => this.process(job), { concurrency: this.config.playbooks.workerConcurrency, lockDuration: 60_000, maxStalledCount: 5 });
    this.log.log({ concurrency: this.config.playbooks.workerConcurrency }, 'playbooks worker started');
  }

  async process(job: Job): Promise<unknown> {
    try {
      switch (job.name) {
        case ThreatFlaggedJob.name:
          return { runs: await this.engine.dispatch(threatFlaggedTrigger(parsePayload(ThreatFlaggedJob, job.data))) };
        case SharedIndicatorJob.name:
          return { runs: await this.engine.dispatch(sharedIndicatorTrigger(parsePayload(SharedIndicatorJob, job.data))) };
        case RunJob.name: {
          const run = await this.engine.advance(parsePayload(RunJob, job.data).runId);
          return { status: run?.status ?? 'missing' };
        }
        case ApprovalTimeoutJob.name:
          await this.approvals.timeout(parsePayload(ApprovalTimeoutJob, job.data).approvalId);
          return {};
        case ApprovalDecidedJob.name:
          await this.engine.approvalDecided(parsePayload(ApprovalDecidedJob, job.data));
          return {};
        case BreakerDecidedJob.name:
          await this.engine.breakerDecided(parsePayload(BreakerDecidedJob, job.data));
          return {};
        default:
          throw new UnrecoverableError(`unexpected job ${job.name} on queue ${PLAYBOOKS_QUEUE}`);
      }
    } catch (err) {
      const last = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      if (job.name === RunJob.name && (last || err instanceof UnrecoverableError) && !(err instanceof RunBusyError && !last)) {
        await this.engine.failById((job.data as { runId: string }).runId, `gave up after ${job.attemptsMade + 1} attempts: ${(err as Error).message}`).catch(() => undefined);
      }
      if (!(err instanceof RunBusyError)) this.log.warn({ err, job: job.name, jobId: job.id, attempt: job.attemptsMade + 1 }, 'playbooks job failed');
      throw err;
    }
  }
}
