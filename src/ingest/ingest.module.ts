import { Module } from '@nestjs/common';
import { AlertsModule } from '../alerts/alerts.module';
import { ScopeModule } from '../auth/scope.module';
import { IngestController } from './ingest.controller';
import { IngestService } from './ingest.service';
import { IngestStore } from './ingest.store';
import { StoreChunkHandler } from './store-chunk.handler';
import { SyslogService } from './syslog/syslog.service';

@Module({
  imports: [AlertsModule, ScopeModule],
  controllers: [IngestController],
  providers: [IngestService, IngestStore, StoreChunkHandler, SyslogService],
  exports: [IngestService, SyslogService],
})
export class IngestModule {}
