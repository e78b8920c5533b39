import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { ScopeModule } from '../auth/scope.module';
import { ApprovalTimeoutHandler } from './approval-timeout.handler';
import { APPROVALS } from './approvals.port';
import { ApprovalsController } from './approvals.controller';
import { ApprovalsService } from './approvals.service';
import { ApprovalsStore } from './approvals.store';

/** Durable approvals: playbook steps, review edges and circuit breakers ask; the outcome is the `approval.decided` event. */
@Module({
  imports: [ScopeModule, AuditModule],
  controllers: [ApprovalsController],
  providers: [ApprovalsStore, ApprovalsService, ApprovalTimeoutHandler, { provide: APPROVALS, useExisting: ApprovalsService }],
  exports: [ApprovalsService, APPROVALS],
})
export class ApprovalsModule {}
