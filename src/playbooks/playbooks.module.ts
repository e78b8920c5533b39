import { Global, Module } from '@nestjs/common';
import { ApprovalsModule } from './approvals/approvals.module';
import { PlaybookToolsController, PlaybooksController } from './playbooks.controller';
import { PlaybookRegistry } from './registry/registry.service';
import { VersionsStore } from './registry/versions.store';
import { DetectionReplay } from './backtest/replay.service';
import { PlaybookAlertSink } from './runs/alert-sink';
import { RunEngine } from './runs/engine.service';
import { GuardsStore } from './runs/guards.store';
import { PlaybooksWorker } from './runs/playbooks.worker';
import { RunsController } from './runs/runs.controller';
import { RunsStore } from './runs/runs.store';
import { TagsStore } from './runs/tags.store';

/**
 * Playbooks: YAML that officers write (loaded, validated, versioned, hot-reloaded), the run engine
 * on the `playbooks` queue (worker role), approvals, and their API. Needs the block-list
 * (DecisionsService, AllowlistService) and, for `share` steps, the SHARING port. Global so the
 * ingest module can list PlaybookAlertSink among its ALERT_SINKS (`trigger: { on: alert }`).
 */
@Global()
@Module({
  imports: [ApprovalsModule],
  controllers: [PlaybookToolsController, PlaybooksController, RunsController],
  providers: [VersionsStore, PlaybookRegistry, RunsStore, GuardsStore, TagsStore, RunEngine, PlaybooksWorker, PlaybookAlertSink, DetectionReplay],
  exports: [PlaybookRegistry, RunEngine, PlaybookAlertSink],
})
export class PlaybooksModule {}
