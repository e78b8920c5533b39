import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuditModule } from '../audit/audit.module';
import { ScopeModule } from './scope.module';
import { ApiKeysService } from './api-keys.service';
import { ApiKeysStore } from './api-keys.store';
import { AuthLimiter } from './auth-limiter.service';
import { AuthGuard } from './auth.guard';
import { KeysController } from './keys.controller';

@Module({
  imports: [ScopeModule, AuditModule],
  controllers: [KeysController],
  providers: [ApiKeysStore, ApiKeysService, AuthLimiter, { provide: APP_GUARD, useClass: AuthGuard }],
  exports: [ApiKeysService, ScopeModule],
})
export class AuthModule {}
