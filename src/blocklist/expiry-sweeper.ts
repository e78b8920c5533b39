import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { CONFIG } from '../infra/config/config.module';
import type { GwanjeConfig } from '../infra/config/config.schema';
import { isRedisConnectionError } from '../infra/redis/redis.health';
import { DecisionsStore } from './decisions.store';

/**
 * Records expiries as events (change log → SSE `decision.ended`, CrowdSec `deleted`) shortly after
 * they happen. Feeds do not depend on it: they drop a decision at its exact expiry instant. Every
 * process runs one; the sweep claims each expiry atomically, so none is recorded twice.
 */
@Injectable()
export class ExpirySweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly log = new Logger('expiry-sweeper');
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(private readonly store: DecisionsStore, @Inject(CONFIG) private readonly config: GwanjeConfig) {}

  onApplicationBootstrap() {
    this.timer = setInterval(() => void this.tick(), this.config.blocklist.sweepIntervalMs); // tick never rejects
    this.timer.unref();
  }

  /** One sweep (also called by tests). */
  tick(): Promise<void> {
    return (this.running ??= (async () => {
      try {
        let n: number;
        do {
          n = await this.store.sweep(Date.now());
          if (n) this.log.debug({ recorded: n }, 'expiries recorded');
        } while (n >= 1000 && this.timer);
      } catch (err) {
        // Redis down: RedisHealth logs the outage once, not every tick.
        if (!isRedisConnectionError(err)) this.log.warn({ err: (err as Error).message }, 'expiry sweep failed; retrying next tick');
      } finally {
        this.running = null;
      }
    })());
  }

  async onModuleDestroy() {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }
}
