// API client of the dashboard. The key is sent as the X-Api-Key header on every call and never
// put in a URL (not even for the live event stream, which is read with fetch, not EventSource).

/** An API error: HTTP status and the RFC 9457 problem body when there is one. */
export class ApiError extends Error {
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

export function createApi(key, { onUnauthorized } = {}) {
  async function call(method, path, body) {
    const headers = { 'x-api-key': key, accept: 'application/json' };
    const init = { method, headers, cache: 'no-store' };
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let res;
    try {
      res = await fetch(path, init);
    } catch (e) {
      throw new ApiError(0, { detail: e.message }, path);
    }
    const text = await res.text();
    let data = text;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON (feeds) */
    }
    if (res.status === 401 && onUnauthorized) onUnauthorized();
    if (!res.ok) throw new ApiError(res.status, data && typeof data === 'object' ? data : { detail: text || res.statusText }, path);
    return data;
  }
  return {
    key,
    get: (path) => call('GET', path),
    post: (path, body) => call('POST', path, body ?? {}),
    del: (path, body) => call('DELETE', path, body),
  };
}

/** Paths the server documents (public /openapi.json): screens for missing endpoints say "not available". */
export async function loadCapabilities() {
  try {
    const res = await fetch('/openapi.json', { cache: 'no-store' });
    const doc = await res.json();
    const ops = new Set();
    for (const [p, methods] of Object.entries(doc.paths || {})) for (const m of Object.keys(methods)) ops.add(`${m.toUpperCase()} ${p}`);
    return { has: (method, path) => ops.has(`${method} ${path}`), known: true };
  } catch {
    return { has: () => true, known: false };
  }
}

/**
 * Live decision events (SSE) read with fetch streaming, so the key travels in a header.
 * Reconnects after `retryMs` with Last-Event-ID; calls onStatus('live'|'down'|'unavailable').
 * Returns a function that stops it.
 */
export function followDecisionEvents(key, { onEvent, onStatus, retryMs = 3000 }) {
  const controller = new AbortController();
  let lastId = null;
  let stopped = false;
  async function once() {
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
        let parsed = data.join('\n');
        try {
          parsed = JSON.parse(parsed);
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
