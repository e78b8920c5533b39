import { Module } from '@nestjs/common';
import { ScopeModule } from '../auth/scope.module';
import { AlertsController } from './alerts.controller';
import { AlertEnrichment } from './alert-enrichment';
import { AlertsStore } from './alerts.store';

@Module({ imports: [ScopeModule], controllers: [AlertsController], providers: [AlertsStore, AlertEnrichment], exports: [AlertsStore, AlertEnrichment] })
export class AlertsModule {}
