import { Global, Module } from '@nestjs/common';
import { AlertsModule } from '../alerts/alerts.module';
import { DetectionService } from './detection.service';
import { DetectionStore } from './detection.store';
import { DetectionRulesService } from './rules/rules.service';
import { ThreatViewsService } from './threat-views.service';
import { ThreatsController } from './threats.controller';

/**
 * Detection: rules and anomaly scoring of source IPs. Global so the ingest module can list
 * DetectionService among its ALERT_SINKS and the block-list can call recordBlock without imports.
 */
@Global()
@Module({
  imports: [AlertsModule],
  controllers: [ThreatsController],
  providers: [DetectionStore, DetectionRulesService, DetectionService, ThreatViewsService],
  exports: [DetectionService, DetectionRulesService, DetectionStore],
})
export class DetectionModule {}
