import type { Command } from 'commander';
import type { z } from 'zod';
import type { ModelSummary, TrainAnswer } from '../learning/learning.schemas';
import { API_OPTION_HELP, apiFetch, apiKey, defaultApiUrl, problemText } from './api';
import { CliError, fail } from './output';

interface ApiOptions {
  url?: string;
  key?: string;
}

const out = (s: string) => process.stdout.write(s + '\n');
const num = (x: number | null) => (x === null ? '-' : x.toFixed(3));
const line = (m: z.infer<typeof ModelSummary>) =>
  `${m.id}\t${m.status}\ttrained on ${m.trainingSize} (held out ${m.evaluation.size})\tprecision ${num(m.evaluation.precision)}\trecall ${num(m.evaluation.recall)}\tAUC ${num(m.evaluation.rocAuc)}\tBrier ${num(m.evaluation.brier)}`;

/** One call to the running API (training and promotion happen where the models score). */
async function call<T>(opts: ApiOptions, method: string, path: string, body?: unknown): Promise<T> {
  const res = await apiFetch(opts.url ?? defaultApiUrl(), path, { method, headers: { 'x-api-key': apiKey(opts.key), ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
  if (res.status >= 300) fail(await problemText(res), res.status === 422 || res.status === 409 ? 3 : 1);
  return (await res.json()) as T;
}

const run = (f: () => Promise<void>) => async () => {
  try {
    await f();
  } catch (e) {
    process.stderr.write(`gwanje: ${(e as Error).message}\n`);
    process.exitCode = e instanceof CliError ? e.exitCode : 1;
  }
};

/** `gwanje model train|list|promote|rollback`: the learned score's versions (docs/learning.md), through the API. */
export function registerModel(program: Command) {
  const model = program.command('model').description('models learned from verdicts: train, list, promote, roll back (docs/learning.md)');
  const api = (c: Command) => c.option('--url <url>', API_OPTION_HELP.url).option('--key <key>', API_OPTION_HELP.key);

  api(model.command('train').description('train a new version from the labelled examples; it starts in shadow').option('--jurisdiction <id>', 'only this jurisdiction (default: every one the key acts for)')).action((opts: ApiOptions & { jurisdiction?: string }) =>
    run(async () => {
      const r = await call<z.infer<typeof TrainAnswer>>(opts, 'POST', '/v1/models/train', opts.jurisdiction ? { jurisdiction: opts.jurisdiction } : {});
      for (const m of r.trained) out(line(m));
      for (const s of r.skipped) process.stderr.write(`skipped ${s.jurisdiction}: ${s.why}\n`);
      if (!r.trained.length && opts.jurisdiction) process.exitCode = 3;
    })(),
  );

  api(model.command('list').description('versions with their held-out metrics').option('--jurisdiction <id>', 'only this jurisdiction')).action((opts: ApiOptions & { jurisdiction?: string }) =>
    run(async () => {
      const r = await call<{ items: Array<z.infer<typeof ModelSummary>> }>(opts, 'GET', `/v1/models${opts.jurisdiction ? `?jurisdiction=${encodeURIComponent(opts.jurisdiction)}` : ''}`);
      for (const m of r.items) out(line(m));
    })(),
  );

  api(model.command('promote <id>').description('make a version live (an earlier one: roll back to it)').requiredOption('--reason <text>', 'why (audit trail)')).action((id: string, opts: ApiOptions & { reason: string }) =>
    run(async () => {
      out(line(await call<z.infer<typeof ModelSummary>>(opts, 'POST', `/v1/models/${encodeURIComponent(id)}/promote`, { reason: opts.reason })));
    })(),
  );

  api(model.command('rollback').description('make the version live before the current one live again').requiredOption('--jurisdiction <id>', 'jurisdiction').requiredOption('--reason <text>', 'why (audit trail)')).action((opts: ApiOptions & { jurisdiction: string; reason: string }) =>
    run(async () => {
      out(line(await call<z.infer<typeof ModelSummary>>(opts, 'POST', '/v1/models/rollback', { jurisdiction: opts.jurisdiction, reason: opts.reason })));
    })(),
  );
}
