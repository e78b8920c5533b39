import { Module } from '@nestjs/common';
import { AlertsModule } from '../alerts/alerts.module';
import { DetectionService } from '../detection/detection.service';
import { PlaybookAlertSink } from '../playbooks/runs/alert-sink';
import { IngestController } from './ingest.controller';
import { IngestService } from './ingest.service';
import { IngestStore } from './ingest.store';
import { ALERT_SINKS, IngestWorker } from './ingest.worker';
import { SyslogService } from './syslog/syslog.service';

@Module({
  imports: [AlertsModule],
  controllers: [IngestController],
  providers: [IngestService, IngestStore, IngestWorker, SyslogService, { provide: ALERT_SINKS, useFactory: (detection: DetectionService, playbooks?: PlaybookAlertSink) => (playbooks ? [detection, playbooks] : [detection]), inject: [DetectionService, { token: PlaybookAlertSink, optional: true }] }],
  exports: [IngestService, SyslogService],
})
export class IngestModule {}
