import Redis from 'ioredis';
import { DetectionStore } from '../../src/detection/detection.store';
import { DetectionRule } from '../../src/detection/rules/rule.schema';
import { DetectionRulesService } from '../../src/detection/rules/rules.service';
import { parseState } from '../../src/detection/scoring/state';
import { StoreChunkHandler } from '../../src/ingest/store-chunk.handler';
import type { NormalizedAlert } from '../../src/contracts/alert';
import { startTestApp, type TestApp } from '../helpers/app';

/**
 * Detection scores each ingest chunk exactly once however often the chunk is handled: a retry of a
 * fully processed chunk changes nothing, and a retry after a crash between detection's two Lua
 * calls (merged, not committed) commits without merging again. The SIGKILL between store and
 * score is in ingest-worker-crash.test.ts.
 */
const T0 = Date.now() - 600_000;
let seq = 0;
function alert(src: string, k: number): NormalizedAlert {
  const iso = new Date(T0 + k * 1000).toISOString();
  return {
    id: `once${++seq}-${src}`,
    timestamp: iso,
    timezone_source: 'explicit',
    received: iso,
    jurisdiction: 'seoul-jongno',
    observer: { vendor: 'OISF', product: 'Suricata', name: null },
    source: { ip: src, port: 40000 },
    destination: { ip: '10.11.0.5', port: 22 },
    transport: 'tcp',
    rule: { id: '2001219', name: 'ET SCAN Potential SSH Scan', category: 'Attempted Information Leak' },
    action: { value: 'allowed', raw: 'allowed' },
    severity: { id: 3, raw: '2' },
    format: 'suricata-eve',
    original: '{}',
  };
}
const chunkOf = (ip: string, batchId: string) => ({ batchId, chunk: 0, jurisdiction: 'seoul-jongno', alerts: Array.from({ length: 10 }, (_, k) => alert(ip, k)) });

describe('detection scores each ingest chunk once', () => {
  let app: TestApp;
  let redis: Redis;
  let handler: StoreChunkHandler;
  let store: DetectionStore;
  const scoredTotal = async () => Number((await redis.hget(`${app.config.redis.keyPrefix}:ingest:totals`, 'scored')) ?? 0);
  const state = async (ip: string) => parseState((await store.states(ip, ['*'])).get('*') ?? {})!;

  beforeAll(async () => {
    app = await startTestApp({ role: 'api', playbooks: { enabled: false } });
    redis = new Redis(app.config.redis.url!);
    handler = app.app.get(StoreChunkHandler);
    store = app.app.get(DetectionStore);
    app.app.get(DetectionRulesService).replace([
      DetectionRule.parse({ apiVersion: 'gwanje/v1', kind: 'DetectionRule', id: 'burst', name: 'burst', match: { 'destination.port': 22 }, correlate: { event_count: 5, window: '60s' }, points: 50, flag: true }),
    ]);
  }, 60_000);
  afterAll(async () => {
    redis.disconnect();
    await app.close();
  });

  it('a retry of a fully processed chunk stores nothing and scores nothing twice', async () => {
    const ip = '45.155.205.61';
    const data = chunkOf(ip, 'bOnceA');
    const before = await scoredTotal();
    expect(await handler.handle(data)).toEqual({ stored: 10, duplicates: 0 });
    const once = await state(ip);
    expect(once.n).toBe(10);
    expect(once.flag?.gen).toBe(1);
    expect(await scoredTotal()).toBe(before + 10);

    expect(await handler.handle(data)).toEqual({ stored: 0, duplicates: 10 });
    expect(await state(ip)).toEqual(once);
    expect(await scoredTotal()).toBe(before + 10);
  });

  it('a retry after dying between merge and commit commits once and merges nothing again', async () => {
    const control = '45.155.205.62';
    const ip = '45.155.205.63';
    await handler.handle(chunkOf(control, 'bOnceB'));
    const before = await scoredTotal();

    const data = chunkOf(ip, 'bOnceC');
    const commit = jest.spyOn(store, 'commit').mockRejectedValueOnce(new Error('worker died before committing'));
    await expect(handler.handle(data)).rejects.toThrow('worker died');
    commit.mockRestore();
    expect((await state(ip)).n).toBe(10); // merged…
    expect((await state(ip)).flag).toBeFalsy(); // …not committed
    expect(await scoredTotal()).toBe(before);

    expect(await handler.handle(data)).toEqual({ stored: 0, duplicates: 10 });
    const after = await state(ip);
    const clean = await state(control);
    expect(after.n).toBe(10);
    expect(after.rules).toEqual(clean.rules);
    expect(after.flag?.gen).toBe(1);
    expect(await scoredTotal()).toBe(before + 10);
  });
});
