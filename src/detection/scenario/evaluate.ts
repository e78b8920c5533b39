import type { ScenarioLabels } from './generator';

export interface FlagObservation {
  ip: string;
  /** When the flag was queued (ms). */
  flaggedAt: number;
  /** When the deciding alert reached the API (ms). */
  decidingReceived: number;
}

export interface ScenarioScore {
  attackers: number;
  flaggedIps: number;
  truePositives: number;
  precision: number;
  recall: number;
  missed: Array<{ ip: string; kind: string }>;
  falsePositives: string[];
  latencyMs: { p50: number; p99: number; max: number; n: number };
}

const quantile = (sorted: number[], q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] : NaN);

/** Precision and recall of flagged IPs against the scenario's labels, and the deciding-alert → flag latency of each IP's first flag. */
export function scoreScenario(labels: ScenarioLabels, flags: FlagObservation[]): ScenarioScore {
  const attackers = new Map(labels.attackers.map((a) => [a.ip, a.kind]));
  const first = new Map<string, FlagObservation>();
  for (const f of flags) if (!first.has(f.ip) || f.flaggedAt < first.get(f.ip)!.flaggedAt) first.set(f.ip, f);
  const flagged = [...first.keys()];
  const tp = flagged.filter((ip) => attackers.has(ip));
  const latencies = tp.map((ip) => Math.max(0, first.get(ip)!.flaggedAt - first.get(ip)!.decidingReceived)).sort((a, b) => a - b);
  return {
    attackers: attackers.size,
    flaggedIps: flagged.length,
    truePositives: tp.length,
    precision: flagged.length ? tp.length / flagged.length : 1,
    recall: attackers.size ? tp.length / attackers.size : 1,
    missed: [...attackers].filter(([ip]) => !first.has(ip)).map(([ip, kind]) => ({ ip, kind })),
    falsePositives: flagged.filter((ip) => !attackers.has(ip)),
    latencyMs: { p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), max: latencies[latencies.length - 1] ?? NaN, n: latencies.length },
  };
}
