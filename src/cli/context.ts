import type Redis from 'ioredis';
import { ApiKeysService } from '../auth/api-keys.service';
import { AuditService } from '../audit/audit.service';
import { AuditStore } from '../audit/audit.store';
import { ApiKeysStore } from '../auth/api-keys.store';
import { loadConfig } from '../infra/config/config.loader';
import type { GwanjeConfig } from '../infra/config/config.schema';
import { startEmbeddedRedis } from '../infra/redis/embedded-redis';
import { createRedis } from '../infra/redis/redis.connection';
import { JurisdictionsService } from '../jurisdictions/jurisdictions.service';

/** What CLI commands that touch state need: the same config and Redis as the server. */
export interface CliContext {
  config: GwanjeConfig;
  redis: Redis;
  keys: ApiKeysService;
  jurisdictions: JurisdictionsService;
  close(): Promise<void>;
}

export async function openContext(): Promise<CliContext> {
  const config = loadConfig();
  const embedded = config.redis.url ? null : await startEmbeddedRedis(config.redis.dataDir, config.redis.binary);
  const redis = createRedis(config.redis.url ? { url: config.redis.url } : embedded!.target);
  const jurisdictions = new JurisdictionsService(config);
  return {
    config,
    redis,
    jurisdictions,
    keys: new ApiKeysService(new ApiKeysStore(redis, config), jurisdictions, new AuditService(new AuditStore(redis, config)), config),
    close: async () => {
      await redis.quit();
      await embedded?.stop();
    },
  };
}
