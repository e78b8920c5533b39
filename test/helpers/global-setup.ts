import { execFileSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { startRedisServer } from './redis-server';

/** What global setup hands to global teardown (both run in jest's parent process). */
export type HarnessGlobals = typeof globalThis & { __GWANJE_REDIS__?: ChildProcess };

/**
 * One real Redis for the integration suites, on a free port (each suite isolates itself with its
 * own key prefix), and a fresh build for suites that run Gwanje as separate processes. A type
 * error fails CI here; locally the (still emitted) build is used so unrelated work-in-progress
 * does not stop every suite.
 */
export default async function globalSetup() {
  const root = path.resolve(__dirname, '../..');
  // Local iteration on suites that never spawn dist/ processes; CI always builds.
  const skipBuild = process.env.GWANJE_TEST_SKIP_BUILD === '1' && !process.env.CI;
  if (!skipBuild) try {
    execFileSync(process.execPath, [require.resolve('typescript/bin/tsc', { paths: [root] }), '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'pipe' });
  } catch (e) {
    const out = String((e as { stdout?: Buffer }).stdout ?? '');
    if (process.env.CI) throw new Error(`build failed:\n${out}`, { cause: e });
    process.stderr.write(`\n[global-setup] build has type errors (continuing outside CI):\n${out.split('\n').slice(0, 10).join('\n')}\n`);
  }
  // tsc copies no assets: the Lua scripts dist/ reads at run time (scripts/copy-lua.js).
  if (!skipBuild) execFileSync(process.execPath, [path.join(root, 'scripts/copy-lua.js')], { cwd: root, stdio: 'pipe' });
  // Every process the run starts inherits this mark; the global teardown fails the run on any still alive.
  process.env.GWANJE_TEST_RUN = randomUUID();
  const redis = await startRedisServer();
  process.env.GWANJE_TEST_REDIS_URL = redis.url;
  (globalThis as HarnessGlobals).__GWANJE_REDIS__ = redis.child;
}
