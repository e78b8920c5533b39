import { Module } from '@nestjs/common';
import { ApprovalsModule } from './approvals/approvals.module';
import { PlaybookToolsController, PlaybooksController } from './playbooks.controller';
import { PlaybookRegistry } from './registry/registry.service';
import { VersionsStore } from './registry/versions.store';
import { RunEngine } from './runs/engine.service';
import { GuardsStore } from './runs/guards.store';
import { PlaybooksWorker } from './runs/playbooks.worker';
import { RunsController } from './runs/runs.controller';
import { RunsStore } from './runs/runs.store';
import { TagsStore } from './runs/tags.store';

/**
 * Playbooks: YAML that officers write (loaded, validated, versioned, hot-reloaded), the run engine
 * on the `playbooks` queue (worker role), approvals, and their API. Needs the block-list
 * (DecisionsService, AllowlistService) and, for `share` steps, the SHARING port.
 */
@Module({
  imports: [ApprovalsModule],
  controllers: [PlaybookToolsController, PlaybooksController, RunsController],
  providers: [VersionsStore, PlaybookRegistry, RunsStore, GuardsStore, TagsStore, RunEngine, PlaybooksWorker],
  exports: [PlaybookRegistry, RunEngine],
})
export class PlaybooksModule {}
