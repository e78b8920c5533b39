import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import type { GwanjeConfig } from './infra/config/config.schema';
import { configureFastify, FASTIFY_SERVER_OPTIONS } from './infra/http/http.setup';
import { fastifyTrustProxy } from './infra/http/public-url';
import { ListenError, listenError } from './infra/listen-error';
import { startEmbeddedRedis, type EmbeddedRedis, type RedisTarget } from './infra/redis/embedded-redis';
import { setCelLimits } from './playbooks/loader/cel';

export interface RunningGwanje {
  app: NestFastifyApplication;
  /** Base URL of the HTTP API, or null for a worker-only process. */
  url: string | null;
  redis: RedisTarget;
  /** Stop accepting, drain workers, close queues, close Redis, then stop an embedded Redis we started. */
  close(): Promise<void>;
}

/** Start Gwanje in the configured role: `api` (HTTP + syslog), `worker` (queues) or `all`. */
export async function startGwanje(config: GwanjeConfig): Promise<RunningGwanje> {
  setCelLimits(config.cel); // before any rule or playbook is compiled
  let embedded: EmbeddedRedis | null = null;
  const redis: RedisTarget = config.redis.url ? { url: config.redis.url } : (embedded = await startEmbeddedRedis(config.redis.dataDir, config.redis.binary)).target;
  const adapter = new FastifyAdapter({ bodyLimit: config.server.bodyLimitBytes, trustProxy: fastifyTrustProxy(config.server), requestIdHeader: 'x-request-id', ...FASTIFY_SERVER_OPTIONS });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, redis), adapter, { bufferLogs: true, abortOnError: false, bodyParser: false });
  app.useLogger(app.get(Logger));
  await configureFastify(app.getHttpAdapter().getInstance());
  let url: string | null = null;
  try {
    if (config.role === 'worker') await app.init();
    else {
      try {
        await app.listen(config.server.port, config.server.host);
      } catch (e) {
        // Name the listener and its config key.
        const err = e as NodeJS.ErrnoException;
        throw e instanceof ListenError || !err.syscall ? e : listenError({ what: 'HTTP server', key: 'server.port', env: ['PORT'], host: config.server.host, port: config.server.port }, err);
      }
      const address = app.getHttpServer().address();
      const port = typeof address === 'object' && address ? address.port : config.server.port;
      url = `http://${config.server.host === '0.0.0.0' || config.server.host === '::' ? 'localhost' : config.server.host}:${port}`;
    }
  } catch (e) {
    // A failed start leaves nothing open behind it (connections, workers, the embedded Redis).
    // Not after a port clash: closing then makes BullMQ emit an unhandled connection error, and
    // main exits anyway (the embedded Redis dies with it).
    if (!(e instanceof ListenError)) {
      await app.close().catch(() => undefined);
      await embedded?.stop();
    }
    throw e;
  }
  let closing: Promise<void> | null = null;
  return {
    app,
    url,
    redis,
    close: () =>
      (closing ??= (async () => {
        await app.close();
        await embedded?.stop();
      })()),
  };
}
