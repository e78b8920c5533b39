import { Module } from '@nestjs/common';
import { JurisdictionsModule } from '../jurisdictions/jurisdictions.module';
import { ScopeService } from './scope.service';

/** Jurisdiction scoping of requests, on its own so the audit trail (which auth writes to) can use it without a module cycle. */
@Module({ imports: [JurisdictionsModule], providers: [ScopeService], exports: [ScopeService, JurisdictionsModule] })
export class ScopeModule {}
