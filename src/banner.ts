import path from 'node:path';
import type { GwanjeConfig } from './infra/config/config.schema';

/** What the start-up banner says: enough for a newcomer to reach a logged-in dashboard from it alone. */
export interface BannerInfo {
  role: GwanjeConfig['role'];
  /** Base URL of the HTTP API; null for a worker. */
  url: string | null;
  configFile: string;
  /** The bundled sample (GWANJE_CONFIG unset). */
  sampleConfig: boolean;
  redis: { embedded: true; dataDir: string } | { embedded: false };
  syslog: Array<{ name: string; protocol: 'udp' | 'tcp'; host: string; port: number }>;
  /** Where the bootstrap admin key comes from, if any. */
  adminKeyFrom: 'GWANJE_ADMIN_KEY' | 'config file' | null;
  /** Active admin keys stored in Redis (created with `gwanje keys create`). */
  storedAdminKeys: number;
  hub: string;
  log: { level: string; format: 'pretty' | 'json' };
  /** The environment the CLI needs to reach the same config and Redis (only what was set), values as shell text. */
  cliEnv: Array<[name: string, shellText: string]>;
}

const SHELL_SAFE = /^[\w@%+=:,./-]+$/;
const shellQuote = (v: string) => (SHELL_SAFE.test(v) ? v : `'${v.replace(/'/g, `'\\''`)}'`);

/** The exact command that creates an admin key for this instance (same config, same Redis). */
export function adminKeyCommand(info: Pick<BannerInfo, 'cliEnv' | 'hub'>): string {
  const env = info.cliEnv.map(([k, v]) => `${k}=${v} `).join('');
  return `${env}npx gwanje keys create --jurisdiction ${info.hub} --role admin --name admin`;
}

/** Which variables the CLI must share with the server; REDIS_URL with a password is referenced, not printed. */
export function cliEnvOf(env: NodeJS.ProcessEnv): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const name of ['GWANJE_CONFIG', 'GWANJE_DATA_DIR', 'REDIS_URL', 'GWANJE_REDIS_PREFIX']) {
    const value = env[name];
    if (!value) continue;
    if (name === 'REDIS_URL' && /\/\/[^/@]*:[^/@]*@/.test(value)) out.push([name, '"$REDIS_URL"']);
    else out.push([name, shellQuote(name === 'REDIS_URL' || name === 'GWANJE_REDIS_PREFIX' ? value : path.resolve(value))]);
  }
  return out;
}

export function formatBanner(info: BannerInfo): string {
  const redis = info.redis.embedded ? `embedded redis-server, data in ${info.redis.dataDir}` : 'external (REDIS_URL)';
  if (!info.url) return `Gwanje worker is up.\n  Config:  ${info.configFile}\n  Redis:   ${redis}\n`;
  const lines = [
    `Gwanje (${info.role}) is up.`,
    `  Web:     ${info.url}/ (dashboard)`,
    `  API:     ${info.url}/v1`,
    `  Docs:    ${info.url}/docs`,
    `  Health:  ${info.url}/health`,
    `  Config:  ${info.configFile}${info.sampleConfig ? ' (the bundled sample; set GWANJE_CONFIG=<file> for your own)' : ''}`,
    `  Redis:   ${redis}`,
    `  Syslog:  ${info.syslog.length ? info.syslog.map((l) => `${l.name} ${l.protocol}/${l.port}`).join(', ') + ` on ${[...new Set(info.syslog.map((l) => l.host))].join(', ')} (GWANJE_SYSLOG_PORT to move)` : 'no listeners (add syslog: to the config file)'}`,
    `  Logs:    ${info.log.level}, ${info.log.format} (LOG_LEVEL, LOG_FORMAT)`,
    '',
  ];
  const command = adminKeyCommand(info);
  if (info.adminKeyFrom)
    lines.push(`  Admin key: set (${info.adminKeyFrom}). Log in at ${info.url}/ with it.`);
  else if (info.storedAdminKeys)
    lines.push(
      `  Admin key: ${info.storedAdminKeys} active admin key${info.storedAdminKeys === 1 ? '' : 's'} stored (npx gwanje keys list). Log in at ${info.url}/ with one.`,
      `  Lost it? Create another, in a second terminal in this directory:`,
      `    ${command}`,
    );
  else
    lines.push(
      '  Admin key: none yet. Create one, in a second terminal in this directory:',
      `    ${command}`,
      `  It prints the key once: open ${info.url}/ and log in with it.`,
    );
  return lines.join('\n') + '\n';
}
