import { Module } from '@nestjs/common';
import { AlertsModule } from '../alerts/alerts.module';
import { AuditModule } from '../audit/audit.module';
import { ScopeModule } from '../auth/scope.module';
import { BlocklistModule } from '../blocklist/blocklist.module';
import { SharingModule } from '../sharing/sharing.module';
import { DecisionsService } from '../blocklist/decisions.service';
import { SharingService } from '../sharing/sharing.service';
import { DetectionListeners } from './detection.listeners';
import { DetectionService } from './detection.service';
import { DetectionStore } from './detection.store';
import { DetectionFeatures } from './features';
import { ScoreFactorHooks } from './scoring/factor-hooks';
import { profileExtensions } from './profile-extensions';
import { DetectionRulesService } from './rules/rules.service';
import { IP_PROFILE_EXTENSIONS, ThreatViewsService } from './threat-views.service';
import { ThreatsController } from './threats.controller';

/**
 * Detection: rules and anomaly scoring of source IPs. Hears of stored alerts and of blocks through
 * events (DetectionListeners); reads the block-list and sharing for the IP profile.
 */
@Module({
  imports: [AlertsModule, ScopeModule, AuditModule, BlocklistModule, SharingModule],
  controllers: [ThreatsController],
  providers: [
    DetectionStore,
    DetectionRulesService,
    DetectionService,
    DetectionListeners,
    ThreatViewsService,
    // Read by learning: what the scorer saw, and where its model's factor plugs in.
    DetectionFeatures,
    ScoreFactorHooks,
    // The block-list and sharing answer the profile's `decisions` and `shares`.
    { provide: IP_PROFILE_EXTENSIONS, useFactory: profileExtensions, inject: [{ token: DecisionsService, optional: true }, { token: SharingService, optional: true }] },
  ],
  exports: [DetectionService, DetectionRulesService, DetectionStore, DetectionFeatures, ScoreFactorHooks],
})
export class DetectionModule {}
