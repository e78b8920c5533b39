import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdirSync, existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import Redis from 'ioredis';

export class RedisUnavailableError extends Error {
  override name = 'RedisUnavailableError';
}

/** Where to reach Redis: a URL, or the embedded server's unix socket. */
export type RedisTarget = { url: string } | { path: string };

const notFound = (binary: string) =>
  new RedisUnavailableError(
    `'${binary}' was not found. Install Redis (Debian/Ubuntu: sudo apt-get install -y redis-server; macOS: brew install redis) or set REDIS_URL=redis://host:6379 to use a running server.`,
  );

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

/** The executable a command name runs (PATH lookup), or null. */
function resolveBinary(binary: string): string | null {
  const candidates = binary.includes('/') ? [path.resolve(binary)] : (process.env.PATH ?? '').split(path.delimiter).filter(Boolean).map((d) => path.join(d, binary));
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      /* next */
    }
  }
  return null;
}

let pdeathsig: string[] | undefined;
/**
 * A prefix that makes the server die with this process, even when this one is killed with
 * SIGKILL: on Linux, util-linux's `setpriv --pdeathsig TERM` has the kernel send the server
 * SIGTERM (it then writes its AOF and exits) when its parent dies. Elsewhere none; the next
 * start reuses a server still answering on the socket.
 */
function dieWithParent(): string[] {
  if (pdeathsig) return pdeathsig;
  pdeathsig = [];
  if (process.platform !== 'linux') return pdeathsig;
  for (const setpriv of ['/usr/bin/setpriv', '/bin/setpriv']) {
    if (existsSync(setpriv) && spawnSync(setpriv, ['--pdeathsig', 'TERM', '--', 'true'], { stdio: 'ignore' }).status === 0) {
      pdeathsig = [setpriv, '--pdeathsig', 'TERM', '--'];
      break;
    }
  }
  return pdeathsig;
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
  const executable = resolveBinary(binary);
  if (!executable) throw notFound(binary);
  const [launcher, ...launch] = [...dieWithParent(), executable, ...args];
  const child: ChildProcess = spawn(launcher, launch, { stdio: 'ignore' });
  const failed = new Promise<never>((_, reject) => {
    child.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        e.code === 'ENOENT' ? notFound(binary) : new RedisUnavailableError(`could not start ${binary}: ${e.message}`),
      ),
    );
    child.once('exit', (code) => reject(new RedisUnavailableError(`${binary} exited with code ${code}; see ${path.join(dir, 'redis.log')}`)));
  });
  // Generous: a large AOF loads for a while (PING answers LOADING meanwhile), and a busy machine is slow to start anything.
  const ready = (async () => {
    for (let i = 0; i < 1200; i++) {
      if (child.exitCode !== null || child.signalCode !== null || (await answersPing(socket))) return; // an exit is reported by `failed`
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new RedisUnavailableError(`${binary} did not answer on ${socket} within a minute`);
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
