import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { GwanjeConfig } from '../../src/infra/config/config.schema';
import { loadConfig } from '../../src/infra/config/config.loader';
import { startGwanje, type RunningGwanje } from '../../src/server';
import type { ProblemBody, ReplyTo } from './api';
import { atFileEnd } from './cleanup';

export const ADMIN_KEY = 'test-admin-key-0123456789abcdef';

export function redisUrl(): string {
  const url = process.env.GWANJE_TEST_REDIS_URL;
  if (!url) throw new Error('GWANJE_TEST_REDIS_URL is unset: run integration tests through jest (global setup starts Redis)');
  return url;
}

type DeepPartial<T> = { [K in keyof T]?: T[K] extends readonly unknown[] ? T[K] : T[K] extends object ? DeepPartial<T[K]> : T[K] };

/**
 * A config for one test: the sample jurisdictions, the harness's Redis, and a fresh key prefix
 * so suites sharing one Redis never see each other's data.
 */
export function testConfig(overrides: DeepPartial<GwanjeConfig> = {}): GwanjeConfig {
  const sample = loadConfig({ GWANJE_CONFIG: path.resolve(__dirname, '../../config/gwanje.sample.yaml') });
  const prefix = `t${randomBytes(4).toString('hex')}`;
  const merged = {
    ...sample,
    ...overrides,
    role: overrides.role ?? 'all',
    adminKey: ADMIN_KEY,
    log: { level: 'silent' },
    server: { ...sample.server, host: '127.0.0.1', port: 0, ...overrides.server },
    redis: { ...sample.redis, url: redisUrl(), keyPrefix: prefix, ...overrides.redis },
    ingest: { ...sample.ingest, ...overrides.ingest },
    alerts: { ...sample.alerts, ...overrides.alerts },
    syslog: overrides.syslog ?? [],
  };
  return GwanjeConfig.parse(merged);
}

export interface TestApp extends RunningGwanje {
  base: string;
  config: GwanjeConfig;
  /** fetch against the app; `key` defaults to the admin key (pass null for none). */
  call<M extends string, U extends string>(method: M, url: U, opts?: CallOptions): Promise<Answer<ReplyTo<M, U>>>;
}

export interface CallOptions {
  key?: string | null;
  body?: unknown;
  raw?: Buffer | string;
  headers?: Record<string, string>;
}

/**
 * One answer. `body` is the parsed JSON typed as the documented reply of the URL's path (see
 * ReplyTo), or the text when the answer is not JSON; `problem` is the same JSON read as
 * problem+json, for the tests of error answers.
 */
export interface Answer<T> {
  status: number;
  headers: Headers;
  body: T;
  problem: ProblemBody;
  text: string;
}

export async function startTestApp(overrides: DeepPartial<GwanjeConfig> = {}): Promise<TestApp> {
  const config = testConfig(overrides);
  const starting = startGwanje(config);
  // Closed at the end of the file whatever happens to the test (close is idempotent).
  atFileEnd(async () => (await starting.catch(() => null))?.close());
  const running = await starting;
  const base = running.url ?? '';
  return {
    ...running,
    base,
    config,
    async call(method, url, opts = {}) {
      const headers: Record<string, string> = { ...(opts.headers ?? {}) };
      const key = opts.key === undefined ? ADMIN_KEY : opts.key;
      if (key) headers['x-api-key'] = key;
      let body: RequestInit['body'];
      if (opts.raw !== undefined) {
        body = opts.raw as RequestInit['body'];
        headers['content-type'] ??= 'text/plain';
      } else if (opts.body !== undefined) {
        body = JSON.stringify(opts.body);
        headers['content-type'] ??= 'application/json';
      }
      const res = await fetch(base + url, { method, headers, body });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        /* not JSON */
      }
      // The documented shape is what the API promises; the tests check it holds.
      return { status: res.status, headers: res.headers, body: parsed as never, problem: (parsed ?? {}), text };
    },
  };
}

/**
 * Poll until `check` returns a truthy value or the time runs out. The bound only turns a condition
 * that never comes into a message; it is generous because a loaded machine is slow, not wrong.
 */
export async function eventually<T>(check: () => Promise<T | undefined | null | false>, timeoutMs = 60_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
