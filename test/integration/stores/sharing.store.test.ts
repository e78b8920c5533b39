import type { InboxEntry, InboxState, Share } from '../../../src/sharing/sharing.schemas';
import { SharingStore } from '../../../src/sharing/sharing.store';
import { shareIndicatorId } from '../../../src/sharing/taxii/taxii.ids';
import { storeRedis } from './store-redis';

const DAY = 86_400_000;
const evidence = { rules: {}, firstSeen: null, lastSeen: null, alerts: 0, jurisdictions: [] };

describe('SharingStore (real Redis)', () => {
  const r = storeRedis(12);
  const store = new SharingStore(r.redis, r.config);
  const keepMs = r.config.sharing.retentionDays * DAY;
  const now = Date.now();
  const share = (id: string, over: Partial<Share> = {}): Share => ({
    id, value: '203.0.113.5', from: 'seoul-jongno', chain: ['seoul-jongno'], parent: null, to: ['busan-jung'], tlp: 'AMBER', score: 80, confidence: 80, ttl: '1d',
    created: new Date(now).toISOString(), expires: new Date(now + DAY).toISOString(), reason: 'scanner', evidence, playbookRun: null, actor: { type: 'key', id: 'k1' }, remote: null, ...over,
  });
  const entry = (shareId: string, over: Partial<InboxEntry> = {}): InboxEntry => ({
    shareId, jurisdiction: 'busan-jung', from: 'seoul-jongno', origin: 'seoul-jongno', value: '203.0.113.5', tlp: 'AMBER', score: 80, confidence: 80,
    expires: new Date(now + DAY).toISOString(), reason: 'scanner', evidence, chain: ['seoul-jongno'], received: new Date(now).toISOString(), rule: 'default', mode: 'auto-block', needs: 1, ...over,
  });
  const state = (status: InboxState['status']): InboxState => ({ status, decisionId: null, approvalId: null, note: null, updated: new Date(now).toISOString() });
  afterAll(() => r.close());

  it('round-trips a share with its deliveries; the record lives until expiry plus retention', async () => {
    const s = share('s1');
    await store.saveShare(s);
    await store.setDeliveries('s1', [{ jurisdiction: 'busan-jung', delivered: true, status: 'blocked' }, { jurisdiction: 'daegu-jung', delivered: false, reason: 'no edge' }]);
    await store.setDeliveries('s1', []);
    expect(await store.getShare('s1')).toEqual({ share: s, deliveries: [{ jurisdiction: 'busan-jung', delivered: true, status: 'blocked' }, { jurisdiction: 'daegu-jung', delivered: false, reason: 'no edge' }], revoked: null });
    const pttl = await r.redis.pttl(`${store.p}:s:s1`);
    expect(pttl).toBeGreaterThan(DAY + keepMs - 60_000);
    expect(pttl).toBeLessThanOrEqual(DAY + keepMs);
    expect(await store.getShare('nope')).toBeNull();
    expect(await store.sharesOf('seoul-jongno', '203.0.113.5')).toEqual(['s1']);
  });

  it('a forwarded share is listed among its parent’s kids', async () => {
    await store.saveShare(share('s2', { parent: 's1', from: 'busan-jung', chain: ['seoul-jongno', 'busan-jung'] }));
    expect(await store.kids('s1')).toEqual(['s2']);
  });

  it('revokes a share once; a gone share cannot be revoked', async () => {
    const rev = { at: new Date().toISOString(), by: { type: 'key' as const, id: 'k1' }, reason: 'mistake' };
    expect(await store.markRevoked('s1', rev)).toBe(true);
    expect(await store.markRevoked('s1', { ...rev, reason: 'again' })).toBe(false);
    expect((await store.getShare('s1'))?.revoked).toEqual(rev);
    expect(await store.markRevoked('nope', rev)).toBe(false);
    expect(await r.redis.exists(`${store.p}:s:nope`)).toBe(0);
  });

  it('an idempotency key is claimed by the first share id only', async () => {
    expect(await store.recallIdempotent('seoul-jongno', 'req-1')).toBeNull();
    expect(await store.claimIdempotent('seoul-jongno', 'req-1', 's1')).toBe('s1');
    expect(await store.claimIdempotent('seoul-jongno', 'req-1', 's9')).toBe('s1');
    expect(await store.recallIdempotent('seoul-jongno', 'req-1')).toBe('s1');
    expect(await r.redis.pttl(`${store.p}:idem:seoul-jongno:req-1`)).toBeGreaterThan(0);
  });

  it('adds an inbox entry once (a re-delivery is a no-op) and tracks its state and revocation', async () => {
    expect(await store.addEntry(entry('s1'), state('blocked'))).toBe(true);
    expect(await store.addEntry({ ...entry('s1'), reason: 'again' }, state('denied'))).toBe(false);
    expect(await store.getEntry('busan-jung', 's1')).toEqual({ ...entry('s1'), state: state('blocked'), revoked: null });
    await store.setState('busan-jung', 's1', { ...state('blocked'), decisionId: '42' });
    expect((await store.getEntry('busan-jung', 's1'))?.state.decisionId).toBe('42');
    await store.setState('busan-jung', 'nope', state('blocked')); // no entry: nothing written
    expect(await r.redis.exists(`${store.p}:i:busan-jung:nope`)).toBe(0);
    const rev = { at: new Date().toISOString(), reason: 'revoked', decision: 'none' as const };
    expect(await store.markEntryRevoked('busan-jung', 's1', rev)).toBe(true);
    expect(await store.markEntryRevoked('busan-jung', 's1', rev)).toBe(false);
    expect(await store.markEntryRevoked('busan-jung', 'nope', rev)).toBe(false);
    await store.setEntryRevocation('busan-jung', 's1', { ...rev, decision: 'ended' });
    expect((await store.getEntry('busan-jung', 's1'))?.revoked?.decision).toBe('ended');
    expect(await store.entriesFor('busan-jung', '203.0.113.5')).toHaveLength(1);
    expect(await store.entriesFor('busan-jung', '198.51.100.1')).toEqual([]);
    const pttl = await r.redis.pttl(`${store.p}:i:busan-jung:s1`);
    expect(pttl).toBeGreaterThan(DAY + keepMs - 60_000);
    expect(pttl).toBeLessThanOrEqual(DAY + keepMs);
  });

  it('pages the outbox newest first across senders with a "<ms>:<id>" cursor', async () => {
    for (let i = 0; i < 5; i++) await store.saveShare(share(`o${i}`, { from: i % 2 ? 'daegu-jung' : 'seoul-jongno', created: new Date(now - 1000 * (i + 1)).toISOString() }));
    const seen: string[] = [];
    let cursor: { ms: number; id: string } | null = null;
    for (;;) {
      const page = await store.outPage(['seoul-jongno', 'daegu-jung'], cursor, 2);
      if (!page.length) break;
      seen.push(...page.map((x) => x.id));
      const last = page[page.length - 1];
      cursor = { ms: last.ms, id: last.id };
    }
    expect(seen).toEqual(['s1', 'o0', 'o1', 'o2', 'o3', 'o4']);
    expect((await store.outPageByValue(['seoul-jongno'], '203.0.113.5', null, 10)).map((x) => x.id)).toEqual(['s1', 'o0', 'o2', 'o4']);
  });

  it('pages an inbox batch received in one millisecond to its end, whatever its size', async () => {
    const ids = Array.from({ length: 120 }, (_, i) => `b${String(i).padStart(3, '0')}`);
    for (const id of ids) await store.addEntry(entry(id, { jurisdiction: 'daegu-jung', value: '192.0.2.1' }), state('corroborating'));
    const seen: string[] = [];
    let cursor: { ms: number; id: string } | null = null;
    for (let pages = 0; pages < 100; pages++) {
      const page = await store.inPage(['daegu-jung'], cursor, 10);
      if (!page.length) break;
      seen.push(...page.map((x) => x.id));
      const last = page[page.length - 1];
      cursor = { ms: last.ms, id: last.id };
    }
    expect(seen).toEqual([...ids].reverse());
    expect(await store.inPageByValue(['daegu-jung'], '192.0.2.1', null, 500)).toHaveLength(120);
  });

  it('pages one share received by two inboxes in one millisecond without skipping the second (the cursor names the inbox)', async () => {
    const at = new Date(now - 5000).toISOString();
    for (const j of ['gwangju-dong', 'ulsan-jung']) await store.addEntry(entry('dup1', { jurisdiction: j, received: at, value: '192.0.2.9' }), state('blocked'));
    const scope = ['gwangju-dong', 'ulsan-jung'];
    const first = await store.inPage(scope, null, 1);
    expect(first).toEqual([{ key: 0, id: 'dup1', ms: Date.parse(at) }]);
    const second = await store.inPage(scope, first[0], 1);
    expect(second).toEqual([{ key: 1, id: 'dup1', ms: Date.parse(at) }]);
    expect(await store.inPage(scope, second[0], 1)).toEqual([]);
  });

  it('remembers which inbox entry an approval reviews', async () => {
    await store.rememberReview('ap1', { jurisdiction: 'busan-jung', shareId: 's1' }, 60_000);
    expect(await store.recallReview('ap1')).toEqual({ jurisdiction: 'busan-jung', shareId: 's1' });
    expect(await store.recallReview('ap2')).toBeNull();
    expect(await r.redis.pttl(`${store.p}:review:ap1`)).toBeGreaterThan(60_000);
  });

  it('links decisions to shares; the share’s set lives as long as its longest-lived decision', async () => {
    await store.linkDecision('d1', 'busan-jung', 's1', new Date(now + 10 * DAY).toISOString());
    await store.linkDecision('d2', 'daegu-jung', 's1', new Date(now + DAY).toISOString());
    expect((await store.jurisdictionsLinkedTo('s1')).sort()).toEqual(['busan-jung', 'daegu-jung']);
    expect(await store.linkedShares('d1')).toEqual(['s1']);
    expect(await r.redis.pttl(`${store.p}:sj:s1`)).toBeGreaterThan(9 * DAY);
    const d2 = await r.redis.pttl(`${store.p}:dl:d2`);
    expect(d2).toBeGreaterThan(0);
    expect(d2).toBeLessThanOrEqual(DAY + 60_000);
  });

  it('TAXII: dates added strictly increase, a re-add makes a newer version, pages are exclusive', async () => {
    const a = await store.taxiiAdd('seoul-jongno', 's1');
    const b = await store.taxiiAdd('seoul-jongno', 'o0');
    const c = await store.taxiiAdd('seoul-jongno', 's1');
    expect(b).toBeGreaterThan(a);
    expect(c).toBeGreaterThan(b);
    expect(await store.taxiiAddedOf('seoul-jongno', 's1')).toBe(c);
    expect(await store.taxiiAddedOf('seoul-jongno', 'nope')).toBeNull();
    expect(await store.taxiiPage('seoul-jongno', 0, 10)).toEqual([{ id: 'o0', addedUs: b }, { id: 's1', addedUs: c }]);
    expect(await store.taxiiPage('seoul-jongno', b, 10)).toEqual([{ id: 's1', addedUs: c }]);
    expect(await store.taxiiPage('seoul-jongno', 0, 10, b)).toEqual([{ id: 'o0', addedUs: b }]);
    expect(await store.taxiiPage('seoul-jongno', 0, 0)).toHaveLength(1); // limit + 1 tells there are more
    expect(await store.taxiiFind('seoul-jongno', [shareIndicatorId('s1'), shareIndicatorId('nope')])).toEqual([{ id: 's1', addedUs: c }]);
    expect(await store.taxiiFind('seoul-jongno', [])).toEqual([]);
    // Concurrent adds never share a date added.
    const many = await Promise.all(Array.from({ length: 30 }, (_, i) => store.taxiiAdd('seoul-jongno', `x${i}`)));
    expect(new Set(many).size).toBe(30);
  });

  it('writes nothing outside its prefix', async () => {
    expect(await r.strays()).toEqual([]);
  });
});
