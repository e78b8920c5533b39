import path from 'node:path';
import { ApiKeysService } from './auth/api-keys.service';
import { cliEnvOf, formatBanner, type BannerInfo } from './banner';
import { configFile, DEFAULT_CONFIG_FILE, loadConfig } from './infra/config/config.loader';
import type { GwanjeConfig } from './infra/config/config.schema';
import { flushLogs, logFormat } from './infra/logging/logging';
import { SyslogService } from './ingest/syslog/syslog.service';
import { JurisdictionsService } from './jurisdictions/jurisdictions.service';
import { startGwanje, type RunningGwanje } from './server';

/** What the banner needs from the running process; a worker has no HTTP, syslog or keys to describe. */
async function bannerInfo(running: RunningGwanje, config: GwanjeConfig): Promise<BannerInfo> {
  const file = configFile();
  let storedAdminKeys = 0;
  let syslog: BannerInfo['syslog'] = [];
  if (running.url) {
    storedAdminKeys = (await running.app.get(ApiKeysService).list()).filter((k) => k.role === 'admin' && !k.revoked).length;
    syslog = running.app.get(SyslogService).bound.map((b) => ({ ...b, host: config.syslog.find((l) => l.name === b.name)?.host ?? '0.0.0.0' }));
  }
  return {
    role: config.role,
    url: running.url,
    configFile: file,
    sampleConfig: file === DEFAULT_CONFIG_FILE,
    redis: 'url' in running.redis ? { embedded: false } : { embedded: true, dataDir: path.resolve(config.redis.dataDir, 'redis') },
    syslog,
    adminKeyFrom: config.adminKey ? (process.env.GWANJE_ADMIN_KEY ? 'GWANJE_ADMIN_KEY' : 'config file') : null,
    storedAdminKeys,
    hub: running.app.get(JurisdictionsService).primaryHub().id,
    log: { level: config.log.level, format: logFormat(config) },
    cliEnv: cliEnvOf(process.env),
  };
}

/**
 * Entry point: `node dist/main.js [all|api|worker]` (or GWANJE_ROLE). Without REDIS_URL an
 * embedded redis-server child is started and stopped with the process.
 */
async function main() {
  const roleArg = process.argv.slice(2).find((a) => ['all', 'api', 'worker'].includes(a));
  if (roleArg) process.env.GWANJE_ROLE = roleArg;
  let running: Awaited<ReturnType<typeof startGwanje>>;
  try {
    const config = loadConfig();
    running = await startGwanje(config);
    const banner = formatBanner(await bannerInfo(running, config));
    flushLogs();
    process.stdout.write(banner);
  } catch (e) {
    process.stderr.write(`gwanje: cannot start: ${(e as Error).message}\n`);
    process.exit(1);
  }
  let signals = 0;
  const stop = (signal: string) => {
    if (++signals > 1) process.exit(1);
    process.stdout.write(`gwanje: ${signal} received, shutting down\n`);
    const force = setTimeout(() => process.exit(1), 30_000);
    force.unref();
    running.close().then(
      () => process.exit(0),
      (e) => {
        process.stderr.write(`gwanje: shutdown error: ${(e as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

void main();
