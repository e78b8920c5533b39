import { Injectable, type OnModuleInit } from '@nestjs/common';
import { AlertEnrichment } from '../alerts/alert-enrichment';
import { EventBus } from '../infra/events/event-bus';
import { DetectionService } from './detection.service';

/**
 * What detection hears from the domains below it: stored alerts are scored (then announced as
 * `alerts.scored`, so listeners above see the scores), blocks feed the recurrence factor, and the
 * alerts API gets its country and AS from detection's lookup.
 */
@Injectable()
export class DetectionListeners implements OnModuleInit {
  constructor(
    private readonly events: EventBus,
    private readonly detection: DetectionService,
    private readonly enrichment: AlertEnrichment,
  ) {}

  onModuleInit() {
    this.enrichment.provide((ip) => this.detection.lookup(ip));
    this.events.on('alerts.stored', async (e) => {
      await this.detection.onStored(e.alerts, e);
      await this.events.emit('alerts.scored', e);
    });
    this.events.on('decision.created', async (d) => {
      if (d.scope === 'ip') await this.detection.recordBlock(d.value, { jurisdiction: d.jurisdiction, at: d.at });
    });
  }
}
