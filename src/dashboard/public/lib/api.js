// API client of the dashboard. The key is sent as the X-Api-Key header on every call and never
// put in a URL (not even for the live event stream, which is read with fetch, not EventSource).
//
// Every call names a documented path template and its method; path parameters, query, body and
// answer are typed from lib/api-types.d.ts, generated from /openapi.json, so `tsc -p
// src/dashboard/public/jsconfig.json` (run by npm test) fails when a view reads or sends a field
// the API does not have.

/** @typedef {import('./api-types').Method} Method */
/** @template {Method} M @typedef {import('./api-types').PathOf<M>} PathOf */
/** @template {Method} M @template {PathOf<M>} P @typedef {import('./api-types').Reply<M, P>} Reply */
/** @template {Method} M @template {PathOf<M>} P @typedef {import('./api-types').Body<M, P>} Body */
/** @template {Method} M @template {PathOf<M>} P @typedef {import('./api-types').CallOptions<M, P>} CallOptions */
/**
 * The options argument of a call: required when the path has parameters.
 * @template {Method} M @template {PathOf<M>} P
 * @typedef {[import('./api-types').PathParams<M, P>] extends [never] ? [opts?: CallOptions<M, P>] : [opts: CallOptions<M, P>]} ArgsOf
 */
/** A problem+json body as the API documents it (every member optional: a proxy or a network error may answer instead). @typedef {Partial<import('./api-types').Problem> & { routeMissing?: boolean }} ProblemBody */

/**
 * The URL of a documented path template with its parameters and query filled in.
 * @param {string} template
 * @param {{ params?: unknown, query?: unknown }} [opts] typed per operation by the callers (CallOptions)
 */
export function urlOf(template, opts = {}) {
  const params = /** @type {Record<string, unknown>} */ (opts.params || {});
  const path = template.replace(/\{(\w+)\}/g, (_, name) => {
    const v = params[name];
    if (v === undefined || v === null) throw new Error(`${template}: no value for {${name}}`);
    return encodeURIComponent(String(v));
  });
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(/** @type {Record<string, unknown>} */ (opts.query || {}))) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const qs = q.toString();
  return qs ? `${path}?${qs}` : path;
}

/** An API error: HTTP status and the RFC 9457 problem body when there is one. */
export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {ProblemBody | null} problem
   * @param {string} path
   */
  constructor(status, problem, path) {
    super((problem && problem.detail) || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
    this.path = path;
  }
  /** The endpoint does not exist in this deployment (its module is not installed yet). */
  get missing() {
    return this.status === 404 && (!this.problem || /^Cannot (GET|POST|DELETE|PUT|PATCH) /.test(this.problem.detail || '') || this.problem.routeMissing === true);
  }
}

/**
 * @param {string} key
 * @param {{ onUnauthorized?: () => void }} [options]
 */
export function createApi(key, { onUnauthorized } = {}) {
  /**
   * @param {string} method
   * @param {string} path
   * @param {unknown} [body]
   * @returns {Promise<any>} typed by the wrappers below
   */
  async function call(method, path, body) {
    /** @type {Record<string, string>} */
    const headers = { 'x-api-key': key, accept: 'application/json' };
    /** @type {RequestInit} */
    const init = { method, headers, cache: 'no-store' };
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let res;
    try {
      res = await fetch(path, init);
    } catch (e) {
      throw new ApiError(0, { detail: e instanceof Error ? e.message : String(e) }, path);
    }
    const text = await res.text();
    /** @type {unknown} */
    let data = text;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON (feeds) */
    }
    if (res.status === 401 && onUnauthorized) onUnauthorized();
    if (!res.ok) throw new ApiError(res.status, data && typeof data === 'object' ? /** @type {ProblemBody} */ (data) : { detail: text || res.statusText }, path);
    return data;
  }
  return {
    key,
    /** @type {<P extends PathOf<'get'>>(path: P, ...rest: ArgsOf<'get', P>) => Promise<Reply<'get', P>>} */
    get: (path, ...rest) => call('GET', urlOf(path, rest[0])),
    /** @type {<P extends PathOf<'post'>>(path: P, body: Body<'post', P>, ...rest: ArgsOf<'post', P>) => Promise<Reply<'post', P>>} */
    post: (path, body, ...rest) => call('POST', urlOf(path, rest[0]), body),
    /** @type {<P extends PathOf<'delete'>>(path: P, body: Body<'delete', P>, ...rest: ArgsOf<'delete', P>) => Promise<Reply<'delete', P>>} */
    del: (path, body, ...rest) => call('DELETE', urlOf(path, rest[0]), body),
  };
}
/** @typedef {ReturnType<typeof createApi>} Api */

/** Paths the server documents (public /openapi.json): screens for missing endpoints say "not available". */
export async function loadCapabilities() {
  try {
    const res = await fetch('/openapi.json', { cache: 'no-store' });
    const doc = /** @type {{ paths?: Record<string, Record<string, unknown>> }} */ (await res.json());
    const ops = new Set();
    for (const [p, methods] of Object.entries(doc.paths || {})) for (const m of Object.keys(methods)) ops.add(`${m.toUpperCase()} ${p}`);
    return { has: /** @type {Has} */ ((method, path) => ops.has(`${method} ${path}`)), known: true };
  } catch {
    return { has: /** @type {Has} */ (() => true), known: false };
  }
}
/** @typedef {(method: Uppercase<Method>, path: keyof import('./api-types').Paths) => boolean} Has */
/** @typedef {{ has: Has, known: boolean }} Capabilities */

/**
 * Live decision events (SSE) read with fetch streaming, so the key travels in a header.
 * Reconnects after `retryMs` with Last-Event-ID; calls onStatus('live'|'down'|'unavailable').
 * Returns a function that stops it.
 */
/**
 * @param {string} key
 * @param {{ onEvent: (e: { event: string, data: any }) => void, onStatus: (s: 'live' | 'down' | 'unavailable') => void, retryMs?: number }} handlers
 */
export function followDecisionEvents(key, { onEvent, onStatus, retryMs = 3000 }) {
  const controller = new AbortController();
  /** @type {string | null} */
  let lastId = null;
  let stopped = false;
  async function once() {
    /** @type {Record<string, string>} */
    const headers = { 'x-api-key': key, accept: 'text/event-stream' };
    if (lastId) headers['last-event-id'] = lastId;
    const res = await fetch('/v1/decisions/events', { headers, signal: controller.signal, cache: 'no-store' });
    if (res.status === 404 || res.status === 403) return 'unavailable';
    if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
    onStatus('live');
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buf = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return 'closed';
      buf += value.replace(/\r\n?/g, '\n');
      let end;
      while ((end = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, end);
        buf = buf.slice(end + 2);
        let event = 'message';
        const data = [];
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) continue;
          const colon = line.indexOf(':');
          const field = colon < 0 ? line : line.slice(0, colon);
          const v = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
          if (field === 'event') event = v;
          else if (field === 'data') data.push(v);
          else if (field === 'id') lastId = v;
        }
        if (!data.length) continue;
        /** @type {unknown} */
        let parsed = data.join('\n');
        try {
          parsed = JSON.parse(data.join('\n'));
        } catch {
          /* keep text */
        }
        onEvent({ event, data: parsed });
      }
    }
  }
  (async () => {
    while (!stopped) {
      let outcome;
      try {
        outcome = await once();
      } catch {
        outcome = 'error';
      }
      if (stopped) return;
      if (outcome === 'unavailable') return onStatus('unavailable');
      onStatus('down');
      await new Promise((r) => setTimeout(r, retryMs));
    }
  })();
  return () => {
    stopped = true;
    controller.abort();
  };
}
