import { Module } from '@nestjs/common';
import { ApprovalsModule } from '../approvals/approvals.module';
import { AuditModule } from '../audit/audit.module';
import { ScopeModule } from '../auth/scope.module';
import { BlocklistModule } from '../blocklist/blocklist.module';
import { DetectionModule } from '../detection/detection.module';
import { SharingModule } from '../sharing/sharing.module';
import { PlaybookToolsController, PlaybooksController } from './playbooks.controller';
import { PlaybookRegistry } from './registry/registry.service';
import { VersionsStore } from './registry/versions.store';
import { DetectionReplay } from './backtest/replay.service';
import { PlaybookAlertListener } from './runs/alert-listener';
import { PlaybookApprovalListener } from './runs/approval-listener';
import { RunEngine } from './runs/engine.service';
import { GuardsStore } from './runs/guards.store';
import { ApprovalDecidedHandler } from './jobs/approval-decided.handler';
import { BreakerDecidedHandler } from './jobs/breaker-decided.handler';
import { PlaybooksQueue } from './jobs/playbooks.queue';
import { RunHandler } from './jobs/run.handler';
import { SharedIndicatorHandler } from './jobs/shared-indicator.handler';
import { ThreatFlaggedHandler } from './jobs/threat-flagged.handler';
import { RunsController } from './runs/runs.controller';
import { RunsStore } from './runs/runs.store';
import { TagsStore } from './runs/tags.store';

/**
 * Playbooks: YAML that officers write (loaded, validated, versioned, hot-reloaded), the run engine
 * on the `playbooks` queue (worker role), approvals, and their API. Needs the block-list
 * (DecisionsService, AllowlistService) and, for `share` steps, the SHARING port. PlaybookAlertListener listens
 * to `alerts.scored` (`trigger: { on: alert }`).
 */
@Module({
  imports: [ScopeModule, AuditModule, BlocklistModule, ApprovalsModule, SharingModule, DetectionModule],
  controllers: [PlaybookToolsController, PlaybooksController, RunsController],
  providers: [VersionsStore, PlaybookRegistry, RunsStore, GuardsStore, TagsStore, RunEngine, PlaybookAlertListener, PlaybookApprovalListener, DetectionReplay,
    // The `playbooks` queue and one handler per job on it.
    PlaybooksQueue, ThreatFlaggedHandler, SharedIndicatorHandler, RunHandler, ApprovalDecidedHandler, BreakerDecidedHandler],
  exports: [PlaybookRegistry, RunEngine],
})
export class PlaybooksModule {}
