import { Module } from '@nestjs/common';
import { AlertsModule } from '../alerts/alerts.module';
import { ApprovalsModule } from '../approvals/approvals.module';
import { AuditModule } from '../audit/audit.module';
import { ScopeModule } from '../auth/scope.module';
import { BlocklistModule } from '../blocklist/blocklist.module';
import { FederationDelivery } from './federation/federation.delivery';
import { FederationOutbox } from './federation/federation.outbox';
import { FederationIntake } from './federation/federation.intake';
import { FederationController, FederationReceiver } from './federation/federation.receiver';
import { FederationStore } from './federation/federation.store';
import { PeersService } from './federation/peers.service';
import { InboxPolicyService } from './inbox-policy.service';
import { SharingPoliciesService } from './policy/policies.service';
import { SharingRevocationService } from './revocation.service';
import { SharingController } from './sharing.controller';
import { SHARING } from './sharing.port';
import { ShareReviewListener } from './review-listener';
import { ReviewDecidedHandler } from './review-decided.handler';
import { PeerDeliverHandler } from './federation/peer-deliver.handler';
import { SharingService } from './sharing.service';
import { SharingStore } from './sharing.store';
import { TaxiiController } from './taxii/taxii.controller';
import { TaxiiService } from './taxii/taxii.service';

/** Sharing between jurisdictions and federation with other deployments; the playbooks' `share` step uses the SHARING port. */
@Module({
  imports: [AlertsModule, ScopeModule, AuditModule, BlocklistModule, ApprovalsModule],
  controllers: [SharingController, FederationController, TaxiiController],
  providers: [
    SharingStore,
    SharingPoliciesService,
    SharingService,
    InboxPolicyService,
    ShareReviewListener,
    ReviewDecidedHandler,
    SharingRevocationService,
    FederationIntake,
    { provide: SHARING, useExisting: SharingService },
    PeersService,
    FederationStore,
    FederationOutbox,
    FederationDelivery,
    PeerDeliverHandler,
    FederationReceiver,
    TaxiiService,
  ],
  exports: [SHARING, SharingService, SharingPoliciesService],
})
export class SharingModule {}
