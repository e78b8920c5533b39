import type { ChildProcess } from 'node:child_process';

/**
 * What a test file started and must not outlive it. The integration environment
 * (test/helpers/environment.js) runs these after the file's own afterAll hooks, also when a test
 * timed out or a hook threw: an app still listening, or a child still running, would keep the
 * jest worker alive (and a redis-server running) after the run.
 */
const tasks = new Set<() => Promise<void>>();

/** Register a cleanup for the end of this test file; returns a function that unregisters it. */
export function atFileEnd(task: () => Promise<void>): () => void {
  tasks.add(task);
  return () => tasks.delete(task);
}

async function runFileEnd(): Promise<void> {
  const pending = [...tasks];
  tasks.clear();
  await Promise.allSettled(pending.map((t) => t()));
}
(globalThis as { __gwanjeFileEnd?: () => Promise<void> }).__gwanjeFileEnd = runFileEnd;

const running = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

/** Kill `child` (SIGKILL) at the end of the file unless it has exited by then. */
export function killAtFileEnd<C extends ChildProcess>(child: C): C {
  const unregister = atFileEnd(async () => {
    if (!running(child)) return;
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await gone;
  });
  child.once('exit', unregister);
  return child;
}
