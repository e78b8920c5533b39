import { Global, Module, type DynamicModule } from '@nestjs/common';
import type { RedisTarget } from './embedded-redis';
import { createRedis } from './redis.connection';
import { RedisHealth } from './redis.health';

/** The state client: pipelined per-domain reads and writes. Queues get their own connections; QueuesService closes this one last. */
export const REDIS = Symbol('REDIS');
export const REDIS_TARGET = Symbol('REDIS_TARGET');

@Global()
@Module({})
export class RedisModule {
  static forRoot(target: RedisTarget): DynamicModule {
    // One per application: every client it creates reports to it (pass it to createRedis).
    const health = new RedisHealth();
    return {
      module: RedisModule,
      providers: [
        { provide: REDIS_TARGET, useValue: target },
        { provide: RedisHealth, useValue: health },
        { provide: REDIS, useFactory: () => createRedis(target, false, health) },
      ],
      exports: [REDIS, REDIS_TARGET, RedisHealth],
    };
  }
}
