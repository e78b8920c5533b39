import Redis, { type RedisOptions } from 'ioredis';
import type { RedisTarget } from './embedded-redis';

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

export const createRedis = (target: RedisTarget, forQueues = false) => new Redis(redisOptions(target, forQueues));
