import { Global, Module } from '@nestjs/common';
import { AuditController } from './audit.controller';
import { AuditService } from './audit.service';
import { AuditStore } from './audit.store';

@Global()
@Module({ controllers: [AuditController], providers: [AuditStore, AuditService], exports: [AuditService] })
export class AuditModule {}
