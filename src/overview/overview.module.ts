import { Module } from '@nestjs/common';
import { AlertsModule } from '../alerts/alerts.module';
import { ApprovalsModule } from '../approvals/approvals.module';
import { ScopeModule } from '../auth/scope.module';
import { BlocklistModule } from '../blocklist/blocklist.module';
import { DetectionModule } from '../detection/detection.module';
import { OverviewController } from './overview.controller';
import { OverviewService } from './overview.service';

/**
 * GET /v1/overview, over detection, the block-list and approvals (the service injects them
 * optionally, so the overview works, with nulls, where a module is left out).
 */
@Module({ imports: [AlertsModule, ScopeModule, DetectionModule, BlocklistModule, ApprovalsModule], controllers: [OverviewController], providers: [OverviewService] })
export class OverviewModule {}
