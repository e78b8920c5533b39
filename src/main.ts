import { loadConfig } from './infra/config/config.loader';
import { startGwanje } from './server';

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
    const where = running.url
      ? `Gwanje (${config.role}) is up.\n  Web:     ${running.url}/ (dashboard)\n  API:     ${running.url}/v1\n  Docs:    ${running.url}/docs\n  Health:  ${running.url}/health\n  Redis:   ${'url' in running.redis ? 'external (REDIS_URL)' : `embedded, data in ${config.redis.dataDir}/redis`}\n`
      : `Gwanje worker is up (Redis: ${'url' in running.redis ? 'REDIS_URL' : 'embedded'}).\n`;
    process.stdout.write(where);
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
