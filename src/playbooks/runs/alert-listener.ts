import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { DetectionService } from '../../detection/detection.service';
import { EventBus } from '../../infra/events/event-bus';
import type { NormalizedAlert } from '../../contracts/alert';
import { alertTrigger } from '../model/variables';
import { PlaybookRegistry } from '../registry/registry.service';
import { RunEngine } from './engine.service';

/**
 * `trigger: { on: alert }`: listens to `alerts.scored` (stored, then scored by detection). Each newly stored alert is offered
 * to the playbooks in force that trigger on alerts (nothing is done when there are none); a run is
 * idempotent per (playbook, alert id), so a chunk stored again starts nothing twice.
 */
@Injectable()
export class PlaybookAlertListener implements OnModuleInit {
  private readonly log = new Logger('playbook-alerts');

  constructor(
    private readonly registry: PlaybookRegistry,
    private readonly engine: RunEngine,
    private readonly detection: DetectionService,
    private readonly events: EventBus,
  ) {}

  onModuleInit() {
    this.events.on('alerts.scored', (e) => this.onStored(e.alerts, e));
  }

  async onStored(alerts: NormalizedAlert[], job: { batchId: string; chunk: number }): Promise<void> {
    if (!alerts.length) return;
    const inForce = (await this.registry.current()).some((p) => p.doc.trigger.on === 'alert' && (p.doc.status === 'enforcing' || p.doc.status === 'shadow'));
    if (!inForce) return;
    let runs = 0;
    for (const a of alerts) {
      runs += (await this.engine.dispatch(alertTrigger(a, this.detection.lookup(a.source.ip)))).length;
    }
    if (runs) this.log.debug({ batchId: job.batchId, chunk: job.chunk, alerts: alerts.length, runs }, 'alert-triggered runs started');
  }
}
