import { Logger } from '@nestjs/common';
import type Redis from 'ioredis';
import { storage } from 'nestjs-pino/storage';

/** What a client is told to wait (Retry-After, seconds) while Redis is unreachable or the server is shutting down. */
export const RETRY_AFTER_SECONDS = 5;

/** Redis, which holds every queue and all state, cannot be reached: the API answers 503 with Retry-After. */
export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError';
  constructor(cause?: unknown) {
    super(`Redis is unreachable${cause instanceof Error ? ` (${cause.message})` : ''}`, { cause });
  }
}

const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
/** What ioredis (and BullMQ) reject commands with while there is no connection. */
const NO_CONNECTION = [/^Connection is closed\.?$/, /^Stream isn't writeable/, /^Reached the max retries per request limit/, /^LOADING /];

/** True for errors that mean "no working connection to Redis", as opposed to a bad command or a bug. */
export function isRedisConnectionError(error: unknown, depth = 0): boolean {
  if (!(error instanceof Error) || depth > 3) return false;
  if (error instanceof StoreUnavailableError || error.name === 'MaxRetriesPerRequestError') return true;
  const e = error as NodeJS.ErrnoException & { previousErrors?: unknown[] };
  // ENOENT is a missing unix socket (the embedded server is gone) only when connecting.
  if (e.code && (SOCKET_CODES.has(e.code) || (e.code === 'ENOENT' && e.syscall === 'connect'))) return true;
  if (NO_CONNECTION.some((re) => re.test(error.message))) return true;
  // A MULTI aborted because its commands could not be sent; or an error wrapping one.
  if (Array.isArray(e.previousErrors) && e.previousErrors.length && e.previousErrors.every((p) => isRedisConnectionError(p, depth + 1))) return true;
  return isRedisConnectionError(error.cause, depth + 1);
}

/**
 * Whether this process can reach Redis, over every ioredis client it made (state, queues,
 * workers, and the connections BullMQ duplicates from them). Each client gets an 'error'
 * listener, so ioredis never prints its own unhandled-error lines; the process logs one line
 * when Redis goes down and one when it is back. While a client has no connection, commands on
 * it fail at once instead of waiting in the offline queue (blocking clients excepted: BullMQ's
 * workers must keep theirs), so requests answer 503 quickly rather than hanging.
 */
export class RedisHealth {
  private readonly log = new Logger('redis');
  /** Clients that lost their connection and have not been ready since. */
  private readonly failing = new Set<Redis>();
  private downSince: number | null = null;
  /** Other errors already logged during this outage (a wrong password repeats on every reconnect). */
  private readonly reported = new Set<string>();

  get up(): boolean {
    return this.downSince === null;
  }

  track(client: Redis): Redis {
    const failFast = client.options.maxRetriesPerRequest !== null;
    const offlineQueue = client.options.enableOfflineQueue;
    client.on('error', (err: Error) => {
      if (isRedisConnectionError(err)) return this.lost(client, err, failFast);
      if (this.reported.has(err.message)) return;
      this.reported.add(err.message);
      storage.exit(() => this.log.error({ err: err.message }, 'Redis client error'));
    });
    client.on('ready', () => {
      client.options.enableOfflineQueue = offlineQueue;
      this.failing.delete(client);
      this.recovered();
    });
    client.on('end', () => this.failing.delete(client));
    return client;
  }

  private lost(client: Redis, err: Error, failFast: boolean) {
    if (failFast) client.options.enableOfflineQueue = false;
    this.failing.add(client);
    if (this.downSince !== null) return;
    this.downSince = Date.now();
    // Outside any request's log context: the line is about the process, not the request that happened to notice.
    storage.exit(() =>
      this.log.error(
        { err: err.message, redis: describe(client) },
        'Redis is unreachable: the API answers 503 (Retry-After), feeds serve their last snapshot, workers wait; reconnecting',
      ),
    );
  }

  private recovered() {
    if (this.downSince === null) return;
    for (const c of this.failing) if (c.status === 'end') this.failing.delete(c);
    if (this.failing.size) return;
    const downMs = Date.now() - this.downSince;
    this.downSince = null;
    this.reported.clear();
    storage.exit(() => this.log.log({ downMs }, 'Redis is reachable again'));
  }
}

function describe(client: Redis): string {
  const o = client.options;
  return o.path ? `unix:${o.path}` : `${o.host}:${o.port}`;
}
