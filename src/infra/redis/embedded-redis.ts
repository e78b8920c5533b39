import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import Redis from 'ioredis';

export class RedisUnavailableError extends Error {
  override name = 'RedisUnavailableError';
}

/** Where to reach Redis: a URL, or the embedded server's unix socket. */
export type RedisTarget = { url: string } | { path: string };

export interface EmbeddedRedis {
  target: RedisTarget;
  /** True when this process started the server (and so stops it). */
  owned: boolean;
  stop(): Promise<void>;
}

async function answersPing(socket: string): Promise<boolean> {
  if (!existsSync(socket)) return false;
  const probe = new Redis({ path: socket, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

/**
 * Start (or reuse) a redis-server child for a single-machine install: AOF on, data under dataDir,
 * noeviction (queues and state must never be evicted), reachable only through a unix socket.
 */
export async function startEmbeddedRedis(dataDir: string, binary = 'redis-server'): Promise<EmbeddedRedis> {
  const dir = path.resolve(dataDir, 'redis');
  mkdirSync(dir, { recursive: true });
  const socket = path.join(dir, 'redis.sock');
  if (await answersPing(socket)) return { target: { path: socket }, owned: false, stop: async () => undefined };
  rmSync(socket, { force: true });

  const args = [
    '--port', '0', '--unixsocket', socket, '--unixsocketperm', '700', '--dir', dir,
    '--appendonly', 'yes', '--appendfsync', 'everysec', '--save', '', '--maxmemory-policy', 'noeviction',
    '--daemonize', 'no', '--logfile', path.join(dir, 'redis.log'),
  ];
  const child: ChildProcess = spawn(binary, args, { stdio: 'ignore' });
  const failed = new Promise<never>((_, reject) => {
    child.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        new RedisUnavailableError(
          e.code === 'ENOENT'
            ? `'${binary}' was not found. Install Redis (Debian/Ubuntu: sudo apt-get install -y redis-server; macOS: brew install redis) or set REDIS_URL=redis://host:6379 to use a running server.`
            : `could not start ${binary}: ${e.message}`,
        ),
      ),
    );
    child.once('exit', (code) => reject(new RedisUnavailableError(`${binary} exited with code ${code}; see ${path.join(dir, 'redis.log')}`)));
  });
  const ready = (async () => {
    for (let i = 0; i < 200; i++) {
      if (await answersPing(socket)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new RedisUnavailableError(`${binary} did not answer on ${socket} within 10 s`);
  })();
  try {
    await Promise.race([ready, failed]);
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }
  failed.catch(() => undefined);
  return {
    target: { path: socket },
    owned: true,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
