import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { ScopeModule } from '../auth/scope.module';
import { AllowlistController } from './allowlist.controller';
import { ALLOWLIST } from './allowlist.port';
import { AllowlistService } from './allowlist.service';
import { AllowlistStore } from './allowlist.store';
import { ChangeFeed } from './change-feed';
import { CrowdsecStream } from './crowdsec-stream.service';
import { DecisionStreamsController } from './decision-streams.controller';
import { DecisionsController } from './decisions.controller';
import { DecisionsService } from './decisions.service';
import { DecisionsStore } from './decisions.store';
import { ExpirySweeper } from './expiry-sweeper';
import { FeedAccess } from './feeds/feed-access';
import { FeedCache } from './feeds/feed-cache';
import { FeedsController } from './feeds/feeds.controller';

/** Block decisions, allowlists and the feeds firewalls consume. Detection learns of blocks from `decision.created`. */
@Module({
  imports: [ScopeModule, AuditModule],
  controllers: [DecisionStreamsController, DecisionsController, AllowlistController, FeedsController],
  providers: [
    AllowlistStore,
    AllowlistService,
    { provide: ALLOWLIST, useExisting: AllowlistService },
    DecisionsStore,
    DecisionsService,
    FeedAccess,
    FeedCache,
    CrowdsecStream,
    ChangeFeed,
    ExpirySweeper,
  ],
  exports: [DecisionsService, AllowlistService, ALLOWLIST, FeedCache, ChangeFeed],
})
export class BlocklistModule {}
