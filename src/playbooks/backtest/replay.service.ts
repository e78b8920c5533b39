import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import type { ThreatFlaggedPayload } from '../../contracts/jobs';
import { CONFIG } from '../../infra/config/config.module';
import type { GwanjeConfig } from '../../infra/config/config.schema';
import { REDIS } from '../../infra/redis/redis.module';
import type { NormalizedAlert } from '../../contracts/alert';
import { replayDetection } from './replay';

/** Detection replayed over given alerts under a scratch prefix (simulate with alerts): the flags it would raise, nothing kept. */
@Injectable()
export class DetectionReplay {
  constructor(@Inject(REDIS) private readonly redis: Redis, @Inject(CONFIG) private readonly config: GwanjeConfig) {}

  flags(alerts: NormalizedAlert[]): Promise<ThreatFlaggedPayload[]> {
    return replayDetection(this.redis, this.config, alerts);
  }
}
