import { readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import { GwanjeConfig } from './config.schema';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Environment variables and the config key each one sets. */
const ENV_KEYS: Array<[env: string, key: string[], kind: 'string' | 'number']> = [
  ['GWANJE_ROLE', ['role'], 'string'],
  ['PORT', ['server', 'port'], 'number'],
  ['HOST', ['server', 'host'], 'string'],
  ['GWANJE_BODY_LIMIT', ['server', 'bodyLimitBytes'], 'number'],
  ['REDIS_URL', ['redis', 'url'], 'string'],
  ['GWANJE_DATA_DIR', ['redis', 'dataDir'], 'string'],
  ['GWANJE_REDIS_PREFIX', ['redis', 'keyPrefix'], 'string'],
  ['LOG_LEVEL', ['log', 'level'], 'string'],
  ['LOG_FORMAT', ['log', 'format'], 'string'],
  ['GWANJE_ADMIN_KEY', ['adminKey'], 'string'],
  ['GWANJE_WORKER_CONCURRENCY', ['ingest', 'workerConcurrency'], 'number'],
];

export const DEFAULT_CONFIG_FILE = path.resolve(__dirname, '../../../config/gwanje.sample.yaml');

/** The config file loadConfig reads: GWANJE_CONFIG, or the bundled sample. */
export function configFile(env: NodeJS.ProcessEnv = process.env): string {
  return env.GWANJE_CONFIG ? path.resolve(env.GWANJE_CONFIG) : DEFAULT_CONFIG_FILE;
}

/** A listener's name as it appears in its env override: `udp-514` → GWANJE_SYSLOG_PORT_UDP_514. */
export function syslogEnvName(listener: string): string {
  return listener.toUpperCase().replace(/[^A-Z0-9]+/g, '_');
}

/**
 * Syslog ports from the environment: GWANJE_SYSLOG_PORT moves every listener (a UDP and a TCP
 * listener may share a number), GWANJE_SYSLOG_PORT_<NAME> one listener; the latter wins.
 */
function syslogPortOverrides(merged: Record<string, unknown>, env: NodeJS.ProcessEnv, origins: Map<string, string>) {
  if (!Array.isArray(merged.syslog)) return;
  merged.syslog.forEach((l: unknown, i: number) => {
    if (!l || typeof l !== 'object') return;
    const listener = l as Record<string, unknown>;
    const own = typeof listener.name === 'string' ? `GWANJE_SYSLOG_PORT_${syslogEnvName(listener.name)}` : null;
    for (const name of [own && env[own] ? own : null, env.GWANJE_SYSLOG_PORT ? 'GWANJE_SYSLOG_PORT' : null]) {
      if (!name) continue;
      const value = env[name]!;
      listener.port = /^\d+$/.test(value) ? Number(value) : value;
      origins.set(`syslog[${i}].port`, name);
      break;
    }
  });
}

function setPath(target: Record<string, unknown>, keys: string[], value: unknown) {
  let node = target;
  for (const k of keys.slice(0, -1)) node = (node[k] ??= {}) as Record<string, unknown>;
  node[keys[keys.length - 1]] = value;
}

/** Turn zod issues into one message per key: "server.port (from PORT): expected number". */
export function describeIssues(error: z.ZodError, origins: Map<string, string> = new Map()): string {
  return error.issues
    .map((i) => {
      const key = i.path.map((p) => (typeof p === 'number' ? `[${p}]` : p)).join('.').replace(/\.\[/g, '[');
      const from = origins.get(key);
      return `${key || '(root)'}${from ? ` (from ${from})` : ''}: ${i.message}`;
    })
    .join('; ');
}

/**
 * Read the configuration once: the YAML file named by GWANJE_CONFIG (or the bundled sample),
 * then environment overrides, validated as a whole. Throws ConfigError naming each bad key.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): GwanjeConfig {
  const file = configFile(env);
  let raw: unknown;
  try {
    raw = YAML.parse(readFileSync(file, 'utf8'), { maxAliasCount: 100 }) ?? {};
  } catch (e) {
    throw new ConfigError(`config file ${file}: ${(e as Error).message}`);
  }
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError(`config file ${file}: expected a mapping at the top level`);
  const merged = raw as Record<string, unknown>;
  const origins = new Map<string, string>();
  for (const [name, keys, kind] of ENV_KEYS) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    setPath(merged, keys, kind === 'number' && /^\d+$/.test(value) ? Number(value) : value);
    origins.set(keys.join('.'), name);
  }
  syslogPortOverrides(merged, env, origins);
  const parsed = GwanjeConfig.safeParse(merged);
  if (!parsed.success) throw new ConfigError(`invalid configuration in ${file}: ${describeIssues(parsed.error, origins)}`);
  checkJurisdictions(parsed.data, file);
  return parsed.data;
}

function checkJurisdictions(config: GwanjeConfig, file: string) {
  const ids = new Set<string>();
  config.jurisdictions.forEach((j, i) => {
    if (ids.has(j.id)) throw new ConfigError(`invalid configuration in ${file}: jurisdictions[${i}].id: duplicate id ${j.id}`);
    ids.add(j.id);
  });
  config.jurisdictions.forEach((j, i) => {
    if (j.parent && !ids.has(j.parent)) throw new ConfigError(`invalid configuration in ${file}: jurisdictions[${i}].parent: unknown jurisdiction ${j.parent}`);
  });
  config.syslog.forEach((l, i) =>
    l.senders.forEach((s, k) => {
      if (!ids.has(s.jurisdiction)) throw new ConfigError(`invalid configuration in ${file}: syslog[${i}].senders[${k}].jurisdiction: unknown jurisdiction ${s.jurisdiction}`);
    }),
  );
}
