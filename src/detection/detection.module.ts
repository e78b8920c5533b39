import { Global, Module } from '@nestjs/common';
import { AlertsModule } from '../alerts/alerts.module';
import { DecisionsService } from '../blocklist/decisions.service';
import { SharingService } from '../sharing/sharing.service';
import { DetectionService } from './detection.service';
import { DetectionStore } from './detection.store';
import { profileExtensions } from './profile-extensions';
import { DetectionRulesService } from './rules/rules.service';
import { IP_PROFILE_EXTENSIONS, ThreatViewsService } from './threat-views.service';
import { ThreatsController } from './threats.controller';

/**
 * Detection: rules and anomaly scoring of source IPs. Global so the ingest module can list
 * DetectionService among its ALERT_SINKS and the block-list can call recordBlock without imports.
 */
@Global()
@Module({
  imports: [AlertsModule],
  controllers: [ThreatsController],
  providers: [
    DetectionStore,
    DetectionRulesService,
    DetectionService,
    ThreatViewsService,
    // The block-list and sharing (global modules when present) answer the profile's `decisions` and `shares`.
    { provide: IP_PROFILE_EXTENSIONS, useFactory: profileExtensions, inject: [{ token: DecisionsService, optional: true }, { token: SharingService, optional: true }] },
  ],
  exports: [DetectionService, DetectionRulesService, DetectionStore],
})
export class DetectionModule {}
