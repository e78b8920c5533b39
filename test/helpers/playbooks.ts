import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { QueuesService } from '../../src/infra/queues/queues.service';
import { ThreatFlaggedJob, threatFlaggedJobId, type ThreatFlaggedPayload } from '../../src/contracts/jobs';
import { z } from 'zod';
import type { Decision, Run } from './api';
import { eventually, type TestApp } from './app';

export const WEBHOOK_SECRET = 'webhook-secret-0123456789abcdef';

/** A fresh directory with the given files (name → YAML). */
export function playbookDir(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'gwanje-pb-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

export function flag(over: Partial<ThreatFlaggedPayload> & { ip: string }): ThreatFlaggedPayload {
  const now = new Date().toISOString();
  return {
    generation: 1,
    reason: 'rule',
    score: 90,
    threshold: 60,
    contributions: [{ factor: 'rule:brute-force', points: 50, detail: 'test' }],
    rules: [],
    firstSeen: now,
    lastSeen: now,
    flaggedAt: now,
    jurisdictions: ['seoul-jongno'],
    evidence: [],
    decidingAlert: { id: 'a1', jurisdiction: 'seoul-jongno', timestamp: now, received: now },
    country: 'CN',
    asn: null,
    alertCount: 12,
    ...over,
  };
}

/** Queue a threat.flagged job as detection does (job id per ip and generation unless given). */
export async function enqueueFlag(app: TestApp, p: ThreatFlaggedPayload, jobId = threatFlaggedJobId(p.ip, p.generation)) {
  await app.app.get(QueuesService).queue(ThreatFlaggedJob.queue).add(ThreatFlaggedJob.name, p, { jobId });
}

/** The runs of a playbook, once `check` holds for them. */
export async function runsOf(app: TestApp, playbook: string, check: (runs: Run[]) => boolean = (r) => r.length > 0, timeoutMs = 60_000): Promise<Run[]> {
  let last: Run[] = [];
  try {
    return await eventually(async () => {
      const res = await app.call('GET', `/v1/runs?playbook=${playbook}`);
      last = res.body.items ?? [];
      return check(last) ? last : null;
    }, timeoutMs, 100);
  } catch (e) {
    throw new Error(`${(e as Error).message}; runs of ${playbook}: ${JSON.stringify(last.map((r) => ({ id: r.id, status: r.status, steps: r.steps.map((s) => `${s.id}:${s.status}${s.error ? ` (${s.error})` : ''}`), reason: r.stopReason })))}`, { cause: e });
  }
}

/**
 * A step's result read with a schema: results differ per action, so the API documents them as a
 * record; the test states the fields it reads (and fails if they are not there).
 */
export function stepResult<S extends z.ZodType>(run: Run, index: number, schema: S): z.infer<S> {
  return schema.parse(run.steps[index].result);
}

/** The approval an `approve` step (or a breaker) is waiting on. */
export const approvalIdOf = (run: Run, index = 0) => stepResult(run, index, z.object({ approvalId: z.string() })).approvalId;

export const terminal = (r: { status: string }) => ['succeeded', 'failed', 'denied', 'refused', 'halted'].includes(r.status);

export async function activeDecisions(app: TestApp, value: string, jurisdiction?: string): Promise<Decision[]> {
  const res = await app.call('GET', `/v1/decisions?value=${encodeURIComponent(value)}&active=true${jurisdiction ? `&jurisdiction=${jurisdiction}` : ''}`);
  if (res.status !== 200) throw new Error(`GET /v1/decisions: ${res.status} ${res.text}`);
  return res.body.items;
}

export interface Hook {
  url: string;
  requests: Array<{ headers: IncomingMessage['headers']; body: string; at: number }>;
  /** Status codes to answer, in order; then 200. */
  answers: number[];
  close(): Promise<void>;
}

/** A local webhook receiver that records every POST. */
export async function webhookServer(): Promise<Hook> {
  const hook: Hook = { url: '', requests: [], answers: [], close: async () => undefined };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      hook.requests.push({ headers: req.headers, body, at: Date.now() });
      // Only /hook exists: any other path is a 404 (and consumes no queued answer).
      res.statusCode = new URL(req.url ?? '/', 'http://x').pathname === '/hook' ? (hook.answers.shift() ?? 200) : 404;
      res.end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  hook.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  hook.close = () =>
    new Promise((r) => {
      server.close(() => r());
      server.closeAllConnections();
    });
  return hook;
}
