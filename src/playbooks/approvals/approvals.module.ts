import { Global, Module } from '@nestjs/common';
import { APPROVALS } from './approvals.port';
import { ApprovalsController } from './approvals.controller';
import { ApprovalsService } from './approvals.service';
import { ApprovalsStore } from './approvals.store';

/** Durable approvals. Global so sharing (review edges) injects the APPROVALS port without importing it. */
@Global()
@Module({
  controllers: [ApprovalsController],
  providers: [ApprovalsStore, ApprovalsService, { provide: APPROVALS, useExisting: ApprovalsService }],
  exports: [ApprovalsService, APPROVALS],
})
export class ApprovalsModule {}
