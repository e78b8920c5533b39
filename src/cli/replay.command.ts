import type { Command } from 'commander';
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { FormatId, IngestFormat } from '../contracts/alert';
import { API_OPTION_HELP, apiFetch, apiKey, defaultApiUrl, problemText } from './api';
import { fail } from './output';

interface ReplayOptions {
  format: string;
  jurisdiction?: string;
  url?: string;
  key?: string;
  batchLines: string;
  maxWait: string;
}

/** Wait asked by a Retry-After header (seconds or an HTTP date), in ms; null when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | null {
  if (!header) return null;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** Split file bytes into batches of whole lines, remembering each batch's first line number. */
export function batches(bytes: Buffer, maxLines: number, maxBytes: number): Array<{ firstLine: number; lines: number; body: Buffer }> {
  const out: Array<{ firstLine: number; lines: number; body: Buffer }> = [];
  let start = 0;
  let lineNo = 1;
  while (start < bytes.length) {
    let end = start;
    let count = 0;
    while (end < bytes.length && count < maxLines && end - start < maxBytes) {
      const lf = bytes.indexOf(0x0a, end);
      end = lf < 0 ? bytes.length : lf + 1;
      count++;
    }
    out.push({ firstLine: lineNo, lines: count, body: bytes.subarray(start, end) });
    lineNo += count;
    start = end;
  }
  return out;
}

function progress(done: number, total: number, started: number) {
  const width = 30;
  const filled = Math.round((done / Math.max(total, 1)) * width);
  const rate = done / Math.max((Date.now() - started) / 1000, 0.001);
  const text = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} lines  ${Math.round(rate)} lines/s`;
  if (process.stderr.isTTY) process.stderr.write(`\r${text}`);
  return text;
}

export function registerReplay(program: Command) {
  program
    .command('replay <file>')
    .description('send a log file through the ingest API, with a progress bar and a summary')
    .addHelpText('after', '\nExit codes: 0 every line accepted or skipped; 1 API unreachable or it refused a batch (key, jurisdiction); 2 bad arguments; 3 some lines rejected (listed).\n')
    .requiredOption('--format <format>', `a built-in format (${IngestFormat.options.join(', ')}) or the id of a LogFormat the server loaded`)
    .option('--jurisdiction <id>', 'jurisdiction to ingest for (needed with an admin key)')
    .option('--url <url>', API_OPTION_HELP.url)
    .option('--key <key>', API_OPTION_HELP.key)
    .option('--batch-lines <n>', 'lines per request', '5000')
    .option('--max-wait <seconds>', 'longest total wait on a busy server (429/503 with Retry-After) before giving up', '3600')
    .action(async (file: string, opts: ReplayOptions) => {
      try {
        await replay(file, opts);
      } catch (e) {
        process.stderr.write(`\ngwanje replay: ${(e as Error).message}\n`);
        process.exitCode = (e as { exitCode?: number }).exitCode ?? 1;
      }
    });
}

async function replay(file: string, opts: ReplayOptions) {
  // Built-in ids are known here; a LogFormat id is checked by the server, which lists what it knows.
  if (!FormatId.safeParse(opts.format).success) fail(`--format: ${opts.format} is not a format id (built in: ${IngestFormat.options.join(', ')})`);
  const key = apiKey(opts.key);
  const base = opts.url ?? defaultApiUrl();
  const perBatch = Number(opts.batchLines);
  if (!Number.isInteger(perBatch) || perBatch < 1) fail(`--batch-lines: ${opts.batchLines} is not a positive whole number`);
  const maxWaitMs = Number(opts.maxWait) * 1000;
  if (!Number.isFinite(maxWaitMs) || maxWaitMs < 0) fail(`--max-wait: ${opts.maxWait} is not a number of seconds`);
  let bytes: Buffer;
  try {
    if (!statSync(file).isFile()) fail(`${file}: not a file`);
    bytes = readFileSync(file);
  } catch (e) {
    if ((e as { exitCode?: number }).exitCode) throw e;
    fail(`${file}: ${(e as Error).message}`);
  }
  const parts = batches(bytes, perBatch, 4 * 1024 * 1024);
  const total = parts.reduce((n, p) => n + p.lines, 0);
  const summary = { lines: total, accepted: 0, skipped: 0, rejected: 0, replayed: 0, requests: 0, busy: 0 };
  let waitedMs = 0;
  const rejects: string[] = [];
  const started = Date.now();
  let done = 0;
  let lastLine = '';
  for (const part of parts) {
    const params = new URLSearchParams({ format: opts.format });
    if (opts.jurisdiction) params.set('jurisdiction', opts.jurisdiction);
    const idem = 'replay-' + createHash('sha256').update(`${opts.jurisdiction ?? ''}\0${opts.format}\0`).update(part.body).digest('hex').slice(0, 40);
    const body = gzipSync(part.body);
    let res: Response;
    // A busy server (back-pressure) refused the batch before taking any of it: send the same batch, same key, after the wait it asks.
    for (;;) {
      res = await apiFetch(base, `/v1/ingest?${params}`, {
        method: 'POST',
        headers: { 'x-api-key': key, 'content-type': 'text/plain', 'content-encoding': 'gzip', 'idempotency-key': idem },
        body,
      });
      summary.requests++;
      const wait = res.status === 429 || res.status === 503 ? retryAfterMs(res.headers.get('retry-after')) : null;
      if (wait === null || waitedMs + wait > maxWaitMs) break;
      await res.arrayBuffer().catch(() => undefined);
      summary.busy++;
      waitedMs += wait;
      if (process.stderr.isTTY) process.stderr.write(`\r  server busy (HTTP ${res.status}); lines ${part.firstLine}+ again in ${Math.ceil(wait / 1000)} s`);
      await new Promise((r) => setTimeout(r, wait));
    }
    // A 400 about the query (an unknown format, a bad zone) is a bad argument, not a bad line.
    if (res.status !== 202) {
      const text = await problemText(res);
      fail(`lines ${part.firstLine}-${part.firstLine + part.lines - 1}: ${text}`, res.status === 400 && text.includes('query.') ? 2 : 1);
    }
    // The ingest answer (IngestResponse); servers before rejectedCount sent only the listed rejects.
    const answer = (await res.json()) as { accepted: number; skipped: number; rejected: Array<{ line: number; error: string }>; rejectedCount?: number; duplicate: boolean };
    summary.accepted += answer.accepted;
    summary.skipped += answer.skipped;
    // The answer lists the first rejects only; rejectedCount counts them all.
    summary.rejected += answer.rejectedCount ?? answer.rejected.length;
    if (answer.duplicate) summary.replayed++;
    for (const r of answer.rejected) if (rejects.length < 10) rejects.push(`  line ${part.firstLine + r.line - 1}: ${r.error}`);
    done += part.lines;
    lastLine = progress(done, total, started);
  }
  if (process.stderr.isTTY) process.stderr.write('\n');
  else process.stderr.write(lastLine + '\n');
  const secs = (Date.now() - started) / 1000;
  process.stdout.write(
    `replayed ${file}: ${summary.lines} lines in ${summary.requests} requests, ${secs.toFixed(1)} s (${Math.round(summary.lines / Math.max(secs, 0.001))} lines/s)\n` +
      `  accepted ${summary.accepted}, skipped ${summary.skipped} (not alerts), rejected ${summary.rejected}` +
      (summary.replayed ? `, ${summary.replayed} batches already sent before (no-op)` : '') +
      (summary.busy ? `, waited ${Math.round(waitedMs / 1000)} s on a busy server (${summary.busy} retries)` : '') +
      '\n' +
      (rejects.length ? `first rejects:\n${rejects.join('\n')}\n  (all of them: GET /v1/ingest/rejects)\n` : ''),
  );
  if (summary.rejected) process.exitCode = 3;
}
