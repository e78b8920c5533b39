import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { AlertsModule } from './alerts/alerts.module';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { DashboardModule } from './dashboard/dashboard.module';
import { BlocklistModule } from './blocklist/blocklist.module';
import { DetectionModule } from './detection/detection.module';
import { HealthModule } from './health/health.module';
import { ConfigModule } from './infra/config/config.module';
import { EventsModule } from './infra/events/events.module';
import { JobsModule } from './infra/queues/job-runner';
import type { GwanjeConfig } from './infra/config/config.schema';
import { OpenApiModule } from './infra/http/openapi';
import { ProblemFilter } from './infra/http/problem.filter';
import { loggingModule } from './infra/logging/logging';
import { MetricsModule } from './infra/metrics/metrics.module';
import { QueuesModule } from './infra/queues/queues.module';
import type { RedisTarget } from './infra/redis/embedded-redis';
import { RedisModule } from './infra/redis/redis.module';
import { IngestModule } from './ingest/ingest.module';
import { JurisdictionsModule } from './jurisdictions/jurisdictions.module';
import { LearningModule } from './learning/learning.module';
import { PlaybooksModule } from './playbooks/playbooks.module';
import { SharingModule } from './sharing/sharing.module';
import { OverviewModule } from './overview/overview.module';

@Module({})
export class AppModule {
  static forRoot(config: GwanjeConfig, redis: RedisTarget): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        loggingModule(config),
        RedisModule.forRoot(redis),
        QueuesModule,
        EventsModule,
        MetricsModule,
        JurisdictionsModule,
        AuditModule,
        AuthModule,
        AlertsModule,
        DetectionModule,
        IngestModule,
        BlocklistModule,
        PlaybooksModule,
        SharingModule,
        LearningModule,
        HealthModule,
        OverviewModule,
        DashboardModule,
        OpenApiModule,
        // Last: it checks every job has one handler, then starts the workers after the domains started.
        JobsModule,
      ],
      providers: [{ provide: APP_FILTER, useClass: ProblemFilter }],
    };
  }
}
