import { readdirSync, readFileSync } from 'node:fs';

export interface Leftover {
  pid: number;
  command: string;
}

const read = (file: string): string | null => {
  try {
    return readFileSync(file, 'latin1');
  } catch {
    return null; // gone meanwhile, or not ours to read
  }
};

/** "pid (comm) state ppid …": comm may hold spaces and parentheses, so read after the last ')'. */
const ppidOf = (pid: number): number | null => {
  const stat = read(`/proc/${pid}/stat`);
  return stat ? Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) : null;
};

/**
 * Processes of this test run still alive (Linux /proc): any that inherited `GWANJE_TEST_RUN=<run>`
 * (servers, workers, the CLI, their redis-server children, also when orphaned) and any descendant
 * of `root`, except `root` itself and jest's own workers. Null where /proc is not available.
 */
export function leftoverProcesses(run: string, root = process.pid): Leftover[] | null {
  let pids: number[];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number);
  } catch {
    return null;
  }
  const parent = new Map<number, number>();
  for (const pid of pids) {
    const ppid = ppidOf(pid);
    if (ppid !== null && Number.isFinite(ppid)) parent.set(pid, ppid);
  }
  const descends = (pid: number) => {
    for (let p = parent.get(pid), hops = 0; p !== undefined && hops < 64; p = parent.get(p), hops++) if (p === root) return true;
    return false;
  };
  const mark = `GWANJE_TEST_RUN=${run}`;
  const out: Leftover[] = [];
  for (const pid of parent.keys()) {
    if (pid === root || pid === process.pid) continue;
    const command = (read(`/proc/${pid}/cmdline`) ?? '').split('\0').join(' ').trim();
    if (!command || /jest-worker|processChild\.js/.test(command)) continue; // zombies have none; workers are jest's
    const marked = (read(`/proc/${pid}/environ`) ?? '').split('\0').includes(mark);
    if (marked || descends(pid)) out.push({ pid, command });
  }
  return out;
}


/** Direct children of `pid` with their command lines (Linux). */
export function childrenOf(pid: number): Leftover[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d) && ppidOf(Number(d)) === pid)
    .map((d) => ({ pid: Number(d), command: (read(`/proc/${d}/cmdline`) ?? '').split('\0').join(' ').trim() }));
}

/** True while `pid` runs (a zombie waiting for its reaper counts as gone). */
export function isAlive(pid: number): boolean {
  const stat = read(`/proc/${pid}/stat`);
  return stat !== null && stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
}
