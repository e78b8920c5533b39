import type { CompiledPlaybook } from '../model/compile';
import type { TriggerInstance } from '../model/variables';
import { decisionsOf, dryRun } from '../engine/dry-run';
import type { Effects } from '../engine/effects';
import type { ExecutorOptions } from '../engine/executor';

export type Decision = { value: string; jurisdiction: string; duration: string };

export interface BacktestRow {
  trigger: string;
  ip: string;
  candidate: { triggered: boolean; status: string | null; decisions: Decision[] };
  running: { triggered: boolean; status: string | null; decisions: Decision[] } | null;
  /** Decisions only the candidate makes (+) or only the running version makes (-). */
  added: Decision[];
  removed: Decision[];
}

export interface BacktestReport {
  playbook: string;
  triggers: number;
  candidate: { runs: number; decisions: number };
  running: { version: number; runs: number; decisions: number } | null;
  changed: number;
  rows: BacktestRow[];
}

const key = (d: Decision) => `${d.value}\0${d.jurisdiction}\0${d.duration}`;

/**
 * Run a candidate playbook version (and the version now running, if any) over past triggers with
 * no side effects, and compare the decisions each would have made, trigger by trigger.
 */
export async function backtest(candidate: CompiledPlaybook, running: CompiledPlaybook | null, triggers: TriggerInstance[], effects: Effects, opts: ExecutorOptions): Promise<BacktestReport> {
  const rows: BacktestRow[] = [];
  const one = async (pb: CompiledPlaybook, t: TriggerInstance) => {
    const r = await dryRun(pb, t, effects, opts);
    return { triggered: r.triggered, status: r.run?.status ?? null, decisions: r.run ? decisionsOf(r.run) : [] };
  };
  for (const t of triggers) {
    const c = await one(candidate, t);
    const r = running ? await one(running, t) : null;
    const was = new Set((r?.decisions ?? []).map(key));
    const now = new Set(c.decisions.map(key));
    rows.push({ trigger: t.key, ip: t.ip, candidate: c, running: r, added: c.decisions.filter((d) => !was.has(key(d))), removed: (r?.decisions ?? []).filter((d) => !now.has(key(d))) });
  }
  const sum = (f: (x: BacktestRow) => number) => rows.reduce((n, x) => n + f(x), 0);
  return {
    playbook: candidate.id,
    triggers: triggers.length,
    candidate: { runs: sum((x) => (x.candidate.triggered ? 1 : 0)), decisions: sum((x) => x.candidate.decisions.length) },
    running: running ? { version: running.version, runs: sum((x) => (x.running?.triggered ? 1 : 0)), decisions: sum((x) => x.running?.decisions.length ?? 0) } : null,
    changed: rows.filter((x) => x.added.length || x.removed.length || (running && x.candidate.status !== x.running?.status)).length,
    rows,
  };
}
