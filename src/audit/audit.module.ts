import { Module } from '@nestjs/common';
import { ScopeModule } from '../auth/scope.module';
import { AuditController } from './audit.controller';
import { AuditService } from './audit.service';
import { AuditStore } from './audit.store';

@Module({ imports: [ScopeModule], controllers: [AuditController], providers: [AuditStore, AuditService], exports: [AuditService] })
export class AuditModule {}
