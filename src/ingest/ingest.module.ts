import { Module } from '@nestjs/common';
import { AlertsModule } from '../alerts/alerts.module';
import { ScopeModule } from '../auth/scope.module';
import { FormatsModule } from '../formats/formats.module';
import { IngestController } from './ingest.controller';
import { IngestService } from './ingest.service';
import { IngestStore } from './ingest.store';
import { IngestTotals } from './ingest-totals.service';
import { StoreChunkHandler } from './store-chunk.handler';
import { SyslogService } from './syslog/syslog.service';

@Module({
  imports: [AlertsModule, ScopeModule, FormatsModule],
  controllers: [IngestController],
  providers: [IngestService, IngestStore, StoreChunkHandler, SyslogService, IngestTotals],
  exports: [IngestService, SyslogService, IngestTotals],
})
export class IngestModule {}
