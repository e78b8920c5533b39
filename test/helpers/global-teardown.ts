import type { HarnessGlobals } from './global-setup';
import { leftoverProcesses, type Leftover } from './leaks';

/**
 * Stop the harness's Redis, then fail the run loudly if any test left a process behind (a
 * Gwanje server or worker, the CLI, a redis-server): they would outlive the run. They get a few
 * seconds to finish exiting, then are killed and listed.
 */
export default async function globalTeardown() {
  const child = (globalThis as HarnessGlobals).__GWANJE_REDIS__;
  if (child && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
  const run = process.env.GWANJE_TEST_RUN;
  if (!run) return;
  let left: Leftover[] | null = [];
  for (let i = 0; i < 50; i++) {
    left = leftoverProcesses(run);
    if (!left?.length) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  for (const p of left) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  throw new Error(`tests left ${left.length} process(es) running (now killed):\n${left.map((p) => `  ${p.pid} ${p.command}`).join('\n')}`);
}
