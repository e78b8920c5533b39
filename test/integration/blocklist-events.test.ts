import { DecisionsService } from '../../src/blocklist/decisions.service';
import type { BanInput } from '../../src/blocklist/decisions.schemas';
import type { Decision } from '../helpers/api';
import { eventually, startTestApp, type TestApp } from '../helpers/app';

interface SseEvent {
  id: string;
  event: string;
  data: EventData;
}

/** What each decision event carries (src/blocklist/decision-streams.controller.ts): the decision as GET /v1/decisions shows it. */
interface EventData {
  jurisdiction: string;
  cause: string;
  decision: Decision;
}

/** A Server-Sent Events client over fetch: collects events, resolves `ready` when the stream's opening comment arrives. */
function listen(base: string, key: string, headers: Record<string, string> = {}, query = '') {
  const events: SseEvent[] = [];
  const ctrl = new AbortController();
  let text = '';
  let opened!: () => void;
  const ready = new Promise<void>((r) => (opened = r));
  const done = (async () => {
    const res = await fetch(`${base}/v1/decisions/events${query}`, { headers: { 'x-api-key': key, ...headers }, signal: ctrl.signal });
    if (res.status !== 200) throw new Error(`events: ${res.status} ${await res.text()}`);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    for (;;) {
      const { value, done: end } = await reader.read();
      if (end) return;
      text += decoder.decode(value, { stream: true });
      let cut: number;
      while ((cut = text.indexOf('\n\n')) >= 0) {
        const block = text.slice(0, cut);
        text = text.slice(cut + 2);
        if (block.includes(': gwanje decision events')) opened();
        const f: Record<string, string> = {};
        for (const line of block.split('\n')) {
          const m = /^(id|event|data): (.*)$/.exec(line);
          if (m) f[m[1]] = m[2];
        }
        if (f.event) events.push({ id: f.id, event: f.event, data: JSON.parse(f.data) as EventData });
      }
    }
  })().catch((e) => {
    if ((e as Error).name !== 'AbortError') throw e;
  });
  return { events, ready, close: () => ctrl.abort(), done };
}

describe('SSE /v1/decisions/events', () => {
  let app: TestApp;
  let decisions: DecisionsService;
  let mapoFeed: string;
  const ban = async (value: string, over: Partial<BanInput> = {}) => {
    const r = await decisions.ban({ value, jurisdiction: 'seoul-mapo', reason: 'sse test', duration: '2h', score: 80, origin: { type: 'playbook', id: 'run-sse' }, actor: { type: 'playbook-run', id: 'run-sse' }, ...over });
    if (!r.ok) throw new Error(r.refused);
    return r.decision;
  };

  beforeAll(async () => {
    app = await startTestApp({ blocklist: { sweepIntervalMs: 100 } });
    decisions = app.app.get(DecisionsService);
    mapoFeed = (await app.call('POST', '/v1/keys', { body: { role: 'feed', jurisdiction: 'seoul-mapo', name: 'sse-consumer' } })).body.key;
  });
  afterAll(() => app.close());

  it('pushes new decisions, unblocks and expiries as they happen, for the key\'s jurisdiction only', async () => {
    const l = listen(app.base, mapoFeed);
    await l.ready;
    const started = Date.now();
    const a = await ban('45.155.205.61');
    await ban('45.155.205.62', { jurisdiction: 'seoul-jongno' }); // another jurisdiction: not for this key
    await eventually(async () => l.events.length >= 1);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(l.events[0]).toMatchObject({ event: 'decision.created', id: expect.stringMatching(/^\d+-\d+$/), data: { jurisdiction: 'seoul-mapo', cause: 'created', decision: { id: a.id, value: '45.155.205.61', status: 'active' } } });

    await decisions.end(a.id, { actor: { type: 'system', id: 'test' }, reason: 'false positive' });
    await eventually(async () => l.events.length >= 2);
    expect(l.events[1]).toMatchObject({ event: 'decision.ended', data: { cause: 'ended', decision: { id: a.id, status: 'ended', ended: { reason: 'false positive' } } } });

    const short = await ban('45.155.205.63', { duration: '1s' });
    await eventually(async () => l.events.length >= 4);
    expect(l.events.slice(2).map((e) => [e.event, e.data.cause, e.data.decision.id, e.data.decision.status])).toEqual([
      ['decision.created', 'created', short.id, 'active'],
      ['decision.ended', 'expired', short.id, 'expired'],
    ]);
    // The expiry is pushed within a sweep interval (100 ms here) of the instant.
    expect(Date.now() - Date.parse(short.expires)).toBeLessThan(1500);
    expect(l.events.every((e) => e.data.jurisdiction === 'seoul-mapo')).toBe(true);
    l.close();
    await l.done;
  });

  it('Last-Event-ID resumes after the given event, without gaps or repeats', async () => {
    const first = listen(app.base, mapoFeed);
    await first.ready;
    const b = await ban('45.155.205.71');
    await eventually(async () => first.events.some((e) => e.data.decision.id === b.id));
    const resumeAfter = first.events.find((e) => e.data.decision.id === b.id)!.id;
    first.close();
    await first.done;

    // Changes while disconnected.
    const c = await ban('45.155.205.72');
    await decisions.end(b.id, { actor: { type: 'system', id: 'test' }, reason: 'done' });

    const again = listen(app.base, mapoFeed, { 'last-event-id': resumeAfter });
    await eventually(async () => again.events.length >= 2);
    const d = await ban('45.155.205.73');
    await eventually(async () => again.events.length >= 3);
    await new Promise((r) => setTimeout(r, 200));
    expect(again.events.map((e) => [e.event, e.data.decision.id])).toEqual([
      ['decision.created', c.id],
      ['decision.ended', b.id],
      ['decision.created', d.id],
    ]);
    again.close();
    await again.done;
  });

  it('a feed key may not listen to another jurisdiction', async () => {
    const r = await app.call('GET', '/v1/decisions/events?jurisdiction=seoul-jongno', { key: mapoFeed });
    expect(r.status).toBe(403);
    expect(r.headers.get('content-type')).toContain('application/problem+json');
  });
});
