import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import type { GwanjeConfig } from './infra/config/config.schema';
import { configureFastify } from './infra/http/http.setup';
import { startEmbeddedRedis, type EmbeddedRedis, type RedisTarget } from './infra/redis/embedded-redis';

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
  let embedded: EmbeddedRedis | null = null;
  const redis: RedisTarget = config.redis.url ? { url: config.redis.url } : (embedded = await startEmbeddedRedis(config.redis.dataDir, config.redis.binary)).target;
  const adapter = new FastifyAdapter({ bodyLimit: config.server.bodyLimitBytes, trustProxy: false, requestIdHeader: 'x-request-id' });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, redis), adapter, { bufferLogs: true, abortOnError: false, bodyParser: false });
  app.useLogger(app.get(Logger));
  await configureFastify(app.getHttpAdapter().getInstance() as any);
  let url: string | null = null;
  if (config.role === 'worker') await app.init();
  else {
    await app.listen(config.server.port, config.server.host);
    const address = app.getHttpServer().address();
    const port = typeof address === 'object' && address ? address.port : config.server.port;
    url = `http://${config.server.host === '0.0.0.0' || config.server.host === '::' ? 'localhost' : config.server.host}:${port}`;
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
