import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JurisdictionsModule } from '../jurisdictions/jurisdictions.module';
import { ApiKeysService } from './api-keys.service';
import { ApiKeysStore } from './api-keys.store';
import { AuthLimiter } from './auth-limiter.service';
import { AuthGuard } from './auth.guard';
import { KeysController } from './keys.controller';
import { ScopeService } from './scope.service';

@Global()
@Module({
  imports: [JurisdictionsModule],
  controllers: [KeysController],
  providers: [ApiKeysStore, ApiKeysService, AuthLimiter, ScopeService, { provide: APP_GUARD, useClass: AuthGuard }],
  exports: [ApiKeysService, ScopeService],
})
export class AuthModule {}
