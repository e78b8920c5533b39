import { Module } from '@nestjs/common';
import { ApprovalsModule } from '../approvals/approvals.module';
import { AuditModule } from '../audit/audit.module';
import { ScopeModule } from '../auth/scope.module';
import { BlocklistModule } from '../blocklist/blocklist.module';
import { DetectionModule } from '../detection/detection.module';
import { LearningController } from './learning.controller';
import { LearningService } from './learning.service';
import { LearningStore } from './learning.store';
import { ModelFactor } from './model-factor';
import { LearningQueue, TrainModelsHandler } from './train.handler';

/**
 * Learning: officers' verdicts (events of the block-list and approvals) become labelled examples
 * with detection's features; models trained from them score as detection's `model` factor, in
 * shadow until an officer promotes one (docs/learning.md).
 */
@Module({
  imports: [ScopeModule, AuditModule, BlocklistModule, ApprovalsModule, DetectionModule],
  controllers: [LearningController],
  providers: [LearningStore, LearningService, ModelFactor, TrainModelsHandler, LearningQueue],
  exports: [LearningService],
})
export class LearningModule {}
