import { Module } from '@nestjs/common';
import { AlertsModule } from '../alerts/alerts.module';
import { OverviewController } from './overview.controller';
import { OverviewService } from './overview.service';

/**
 * GET /v1/overview. Detection, block-list and approvals are global modules when they are loaded;
 * the service injects them optionally, so the overview works (with nulls) without them.
 */
@Module({ imports: [AlertsModule], controllers: [OverviewController], providers: [OverviewService] })
export class OverviewModule {}
