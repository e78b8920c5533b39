import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { killAtFileEnd } from './cleanup';
import type { GwanjeConfig } from '../../src/infra/config/config.schema';

export const ROOT = path.resolve(__dirname, '../..');

/** Write a config as YAML so a separate process reads exactly what the test uses. */
export function writeConfigFile(config: GwanjeConfig): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'gwanje-'));
  const file = path.join(dir, 'gwanje.yaml');
  writeFileSync(file, YAML.stringify(config));
  return file;
}

/** Run the built server (dist/, built by the jest global setup) in a role, as its own process. GWANJE_CPU_PROF=dir profiles it. */
export function spawnGwanje(role: 'api' | 'worker' | 'all', config: GwanjeConfig, env: Record<string, string> = {}): ChildProcess {
  const profile = process.env.GWANJE_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.GWANJE_CPU_PROF}`] : [];
  const child = spawn(process.execPath, [...profile, path.join(ROOT, 'dist/main.js'), role], {
    cwd: ROOT,
    env: { ...process.env, GWANJE_CONFIG: writeConfigFile(config), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.resume();
  child.stderr.resume();
  return killAtFileEnd(child);
}

/** The real `gwanje` binary, asynchronously (a test app in this process keeps serving meanwhile). */
export function runGwanje(args: string[], env: Record<string, string> = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = killAtFileEnd(spawn(process.execPath, [path.join(ROOT, 'bin/gwanje.js'), ...args], { cwd: ROOT, env: { ...process.env, ...env } }));
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (status) => resolve({ status, stdout, stderr }));
  });
}

/** The exit code once `child` has exited (null when a signal ended it), also when it already has. */
export function exited(child: ChildProcess): Promise<number | null> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve(child.exitCode) : new Promise((r) => child.once('exit', (code) => r(code)));
}
