import { Global, Module } from '@nestjs/common';
import { AlertsModule } from '../alerts/alerts.module';
import { FederationDelivery } from './federation/federation.delivery';
import { FederationOutbox } from './federation/federation.outbox';
import { FederationController, FederationReceiver } from './federation/federation.receiver';
import { FederationStore } from './federation/federation.store';
import { PeersService } from './federation/peers.service';
import { SharingPoliciesService } from './policy/policies.service';
import { SharingController } from './sharing.controller';
import { SHARING } from './sharing.port';
import { SharingService } from './sharing.service';
import { SharingStore } from './sharing.store';
import { TaxiiController } from './taxii/taxii.controller';
import { TaxiiService } from './taxii/taxii.service';

/**
 * Sharing between jurisdictions and federation with other deployments. Global so the playbooks'
 * `share` step injects the SHARING port without importing this module.
 */
@Global()
@Module({
  imports: [AlertsModule],
  controllers: [SharingController, FederationController, TaxiiController],
  providers: [
    SharingStore,
    SharingPoliciesService,
    SharingService,
    { provide: SHARING, useExisting: SharingService },
    PeersService,
    FederationStore,
    FederationOutbox,
    FederationDelivery,
    FederationReceiver,
    TaxiiService,
  ],
  exports: [SHARING, SharingService, SharingPoliciesService],
})
export class SharingModule {}
