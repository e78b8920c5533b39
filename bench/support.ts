import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { loadConfig } from '../src/infra/config/config.loader';
import { GwanjeConfig } from '../src/infra/config/config.schema';
import { exited, spawnGwanje } from '../test/helpers/processes';

/** The sample jurisdictions on a given Redis, quiet logs, an admin key, a fresh key prefix. */
export function testConfigFor(redisUrl: string, overrides: Partial<GwanjeConfig> = {}): GwanjeConfig {
  const sample = loadConfig({ GWANJE_CONFIG: path.resolve(__dirname, '../config/gwanje.sample.yaml') });
  return GwanjeConfig.parse({
    ...sample,
    ...overrides,
    adminKey: 'bench-admin-key-0123456789abcdef',
    log: { level: 'warn' },
    server: { ...sample.server, host: '127.0.0.1', port: 0, rateLimitPerMinute: 1_000_000 },
    redis: { ...sample.redis, url: redisUrl, keyPrefix: `b${randomBytes(3).toString('hex')}` },
    syslog: [],
  });
}

/** Start a built Gwanje process in a role and wait until it is up; api roles report their URL. */
export async function spawnRole(role: 'api' | 'worker' | 'all', config: GwanjeConfig): Promise<{ child: ChildProcess; url: string }> {
  const child = spawnGwanje(role, config);
  let out = '';
  child.stdout!.removeAllListeners('data');
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${role} did not start: ${out}`)), 30_000);
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /API:\s+(http:\/\/\S+)\/v1/.exec(out);
      if (m || (role === 'worker' && out.includes('worker is up'))) {
        clearTimeout(t);
        resolve({ child, url: m?.[1] ?? '' });
      }
    });
    let err = '';
    child.stderr!.on('data', (d) => (err += d));
    child.once('exit', (code) => reject(new Error(`${role} exited with ${code}: ${out}${err}`)));
  });
}

export async function stopAll(children: ChildProcess[]) {
  for (const c of children) c.kill('SIGTERM');
  await Promise.all(children.map(exited));
}

/** One figure per line: `name=value  (note)`, easy to grep and to paste into notes. */
export function stat(name: string, value: number | string, note?: string) {
  process.stdout.write(`${name}=${value}${note ? `  (${note})` : ''}\n`);
}

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}
