import type { Command } from 'commander';
import path from 'node:path';
import { generateScenario, writeScenario } from '../detection/scenario/generator';
import { loadConfig } from '../infra/config/config.loader';
import { fail } from './output';

interface ScenarioOptions {
  seed: string;
  out: string;
  hours: string;
  end?: string;
  users: string;
  scanners: string;
  attackers: string;
}

/** `gwanje scenario`: seeded, labelled detection traffic (Suricata EVE and FortiGate lines per jurisdiction, labels.json). */
export function registerScenario(program: Command) {
  program
    .command('scenario')
    .description('write a seeded, labelled traffic scenario for detection (benign background and attacks) to --out')
    .option('--seed <n>', 'random seed (the same seed writes the same lines)', '1')
    .option('--out <dir>', 'output directory', './var/scenario')
    .option('--hours <n>', 'scenario length in hours', '3')
    .option('--end <time>', 'when the scenario ends (ISO 8601; default now): with the seed, fixes every line')
    .option('--users <n>', 'benign users', '3000')
    .option('--scanners <n>', 'benign internet-wide scanners', '200')
    .option('--attackers <n>', 'attackers of each kind', '3')
    .action((opts: ScenarioOptions) => {
      const num = (name: string, v: string, min: number) => {
        const n = Number(v);
        if (!Number.isFinite(n) || n < min) fail(`--${name}: ${v} is not a number ≥ ${min}`);
        return n;
      };
      const config = loadConfig();
      const jurisdictions = config.jurisdictions.filter((j) => j.parent && j.cidrs.length).map((j) => ({ id: j.id, cidr: j.cidrs[0] }));
      if (!jurisdictions.length) fail('the configuration declares no jurisdiction below a hub with a CIDR to aim at');
      const durationMs = num('hours', opts.hours, 0.1) * 3_600_000;
      const end = opts.end === undefined ? Date.now() : Date.parse(opts.end);
      if (!Number.isFinite(end)) fail(`--end: ${opts.end} is not an ISO 8601 time`);
      const s = generateScenario({
        seed: Math.trunc(num('seed', opts.seed, 0)),
        start: end - durationMs,
        durationMs,
        jurisdictions,
        users: Math.trunc(num('users', opts.users, 0)),
        scanners: Math.trunc(num('scanners', opts.scanners, 0)),
        attackersPerKind: Math.trunc(num('attackers', opts.attackers, 1)),
      });
      const files = writeScenario(s, path.resolve(opts.out));
      const kinds = new Map<string, number>();
      for (const a of s.labels.attackers) kinds.set(a.kind, (kinds.get(a.kind) ?? 0) + 1);
      process.stdout.write(
        `scenario seed ${s.labels.seed}: ${s.labels.events} lines, ${s.labels.benign.ips.length} benign IPs, ${s.labels.attackers.length} attackers (${[...kinds].map(([k, n]) => `${k} ${n}`).join(', ')})\n` +
          files.map((f) => `  ${path.relative(process.cwd(), f)}\n`).join('') +
          `replay: gwanje replay <file> --format suricata-eve|fortigate --jurisdiction <id>\n`,
      );
    });
}
