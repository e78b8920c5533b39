import Redis, { type RedisOptions } from 'ioredis';
import type { RedisTarget } from './embedded-redis';
import type { RedisHealth } from './redis.health';

/**
 * ioredis options for a target. `forQueues` gives what BullMQ requires for blocking
 * connections (maxRetriesPerRequest null); never autopipelining on those (BullMQ pitfall).
 */
export function redisOptions(target: RedisTarget, forQueues = false): RedisOptions {
  const base: RedisOptions = forQueues ? { maxRetriesPerRequest: null, enableReadyCheck: false } : { maxRetriesPerRequest: 3 };
  if ('path' in target) return { ...base, path: target.path };
  const u = new URL(target.url);
  return {
    ...base,
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: u.port ? Number(u.port) : 6379,
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    db: u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0,
    tls: u.protocol === 'rediss:' ? {} : undefined,
  };
}

/** A client whose duplicates (BullMQ makes one per worker for blocking commands) are watched like itself. */
class WatchedRedis extends Redis {
  constructor(options: RedisOptions, private readonly onClient: (client: Redis) => void) {
    super(options);
    onClient(this);
  }

  override duplicate(override?: Partial<RedisOptions>): Redis {
    const copy = super.duplicate(override);
    this.onClient(copy);
    return copy;
  }
}

/**
 * A client for a target. With `health` its connection state is tracked and logged once per
 * outage; without (the CLI) connection errors are left to the commands that fail on them. Either
 * way every client has an 'error' listener, so ioredis never prints its unhandled-error line.
 */
export const createRedis = (target: RedisTarget, forQueues = false, health?: RedisHealth): Redis =>
  new WatchedRedis(redisOptions(target, forQueues), (c) => (health ? health.track(c) : c.on('error', () => undefined)));
