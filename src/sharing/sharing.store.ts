import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { configDuration } from '../contracts/duration';
import { CONFIG } from '../infra/config/config.module';
import type { GwanjeConfig } from '../infra/config/config.schema';
import { REDIS } from '../infra/redis/redis.module';
import { luaScript } from '../infra/redis/scripts';
import type { Delivery, InboxEntry, InboxState, InboxView, Revocation, RevokeOutcome, Share } from './sharing.schemas';
import { shareIndicatorId } from './taxii/taxii.ids';

type Exec = Array<[Error | null, unknown]>;

/** A collection's next "date added" (µs, strictly increasing) and the STIX id index: see the script's header. */
const taxiiAdd = luaScript<[taxii: string, last: string, ids: string], [shareId: string, ttlMs: number, stixId: string], string>(__dirname, 'lua/taxii-add-3.lua');

/** Where a listing page ended: the last item's time (ms), id and index key (its position in the keys listed; absent: every key). */
export interface PageCursor {
  ms: number;
  id: string;
  key?: number;
}

export interface StoredShare {
  share: Share;
  deliveries: Delivery[];
  revoked: Revocation | null;
}

/**
 * Redis keys of the sharing domain, all under `<prefix>:sharing:`:
 * - `s:<id>` hash: `share` (JSON, immutable), `revoked`, `d:<target>` one delivery per target
 * - `out:<from>` share ids by creation (ms); `outv:<from>:<value>` the same per value (revoke on unblock)
 * - `kids:<id>` shares forwarding this one; `idem:<from>:<key>` idempotency
 * - `i:<j>:<id>` hash: `entry` (JSON), `state`, `revoked` — one inbox entry
 * - `in:<j>` inbox ids by receipt (ms); `jv:<j>:<value>` the same per value (corroboration, support)
 * - `review:<approvalId>` the inbox entry an approval decides
 * - `dl:<decisionId>` shares whose `shared.indicator` playbook runs made or confirmed that decision;
 *   `sj:<shareId>` the jurisdictions where they did (revocation looks there, not everywhere)
 * - `taxii:<j>` / `taxii:last:<j>` TAXII collection: share ids by date added (µs); `taxii:ids:<j>` STIX object id → share id
 * Federation keys (`fed:*`) belong to FederationStore.
 */
@Injectable()
export class SharingStore {
  readonly p: string;
  /** How long records and index entries live past their expiry. */
  private readonly keepMs: number;
  private readonly maxTtlMs: number;

  constructor(@Inject(REDIS) private readonly redis: Redis, @Inject(CONFIG) config: GwanjeConfig) {
    this.p = `${config.redis.keyPrefix}:sharing`;
    this.keepMs = config.sharing.retentionDays * 86_400_000;
    this.maxTtlMs = configDuration(config.sharing.maxTtl);
    taxiiAdd.define(redis);
  }

  private k = {
    s: (id: string) => `${this.p}:s:${id}`,
    out: (from: string) => `${this.p}:out:${from}`,
    outv: (from: string, v: string) => `${this.p}:outv:${from}:${v}`,
    kids: (id: string) => `${this.p}:kids:${id}`,
    idem: (from: string, key: string) => `${this.p}:idem:${from}:${key}`,
    i: (j: string, id: string) => `${this.p}:i:${j}:${id}`,
    in: (j: string) => `${this.p}:in:${j}`,
    jv: (j: string, v: string) => `${this.p}:jv:${j}:${v}`,
    review: (approvalId: string) => `${this.p}:review:${approvalId}`,
    dl: (decisionId: string) => `${this.p}:dl:${decisionId}`,
    sj: (shareId: string) => `${this.p}:sj:${shareId}`,
    taxii: (j: string) => `${this.p}:taxii:${j}`,
    taxiiLast: (j: string) => `${this.p}:taxii:last:${j}`,
    taxiiIds: (j: string) => `${this.p}:taxii:ids:${j}`,
  };

  /** Index entries older than this are trimmed (ms). */
  private floor(now = Date.now()) {
    return now - this.maxTtlMs - this.keepMs;
  }
  private indexTtl() {
    return this.maxTtlMs + this.keepMs;
  }

  // --- shares ---

  async saveShare(share: Share): Promise<void> {
    const created = Date.parse(share.created);
    const until = Date.parse(share.expires) + this.keepMs;
    const m = this.redis.multi();
    m.hset(this.k.s(share.id), 'share', JSON.stringify(share)).pexpireat(this.k.s(share.id), until);
    for (const key of [this.k.out(share.from), this.k.outv(share.from, share.value)]) m.zadd(key, created, share.id).zremrangebyscore(key, '-inf', this.floor()).pexpire(key, this.indexTtl());
    if (share.parent) m.sadd(this.k.kids(share.parent), share.id).pexpireat(this.k.kids(share.parent), until);
    await m.exec();
  }

  async setDeliveries(id: string, deliveries: Delivery[]): Promise<void> {
    if (!deliveries.length) return;
    await this.redis.hset(this.k.s(id), Object.fromEntries(deliveries.map((d) => [`d:${d.jurisdiction}`, JSON.stringify(d)])));
  }

  /** Record the revocation; false when the share was already revoked (or is gone). */
  async markRevoked(id: string, revocation: Revocation): Promise<boolean> {
    if (!(await this.redis.exists(this.k.s(id)))) return false;
    return (await this.redis.hsetnx(this.k.s(id), 'revoked', JSON.stringify(revocation))) === 1;
  }

  async getShare(id: string): Promise<StoredShare | null> {
    const [row] = await this.getShares([id]);
    return row;
  }

  async getShares(ids: string[]): Promise<Array<StoredShare | null>> {
    if (!ids.length) return [];
    const pipe = this.redis.pipeline();
    for (const id of ids) pipe.hgetall(this.k.s(id));
    return (((await pipe.exec()) ?? []) as Exec).map(([err, h]) => {
      if (err) throw err;
      const f = h as Record<string, string>;
      if (!f.share) return null;
      const deliveries = Object.entries(f)
        .filter(([k]) => k.startsWith('d:'))
        .map(([, v]) => JSON.parse(v) as Delivery)
        .sort((a, b) => a.jurisdiction.localeCompare(b.jurisdiction));
      return { share: JSON.parse(f.share) as Share, deliveries, revoked: f.revoked ? (JSON.parse(f.revoked) as Revocation) : null };
    });
  }

  kids(id: string): Promise<string[]> {
    return this.redis.smembers(this.k.kids(id));
  }

  /** Shares `from` sent of exactly this value, newest first. */
  async sharesOf(from: string, value: string): Promise<string[]> {
    return this.redis.zrevrangebyscore(this.k.outv(from, value), '+inf', this.floor());
  }

  async recallIdempotent(from: string, key: string): Promise<string | null> {
    return this.redis.get(this.k.idem(from, key));
  }

  /** Claim an idempotency key for a share id; the id that holds it (ours, or an earlier one). */
  async claimIdempotent(from: string, key: string, id: string): Promise<string> {
    const k = this.k.idem(from, key);
    const ok = await this.redis.set(k, id, 'PX', this.maxTtlMs + 86_400_000, 'NX');
    return ok ? id : ((await this.redis.get(k)) ?? id);
  }

  // --- listing (newest first, then id descending, then index key; cursor = (ms, id, key) of the last item) ---

  /** Up to `count` (id, ms) of each index key strictly after the cursor, merged newest first. */
  private async page(keys: string[], cursor: PageCursor | null, count: number): Promise<Array<{ key: number; id: string; ms: number }>> {
    const pipe = this.redis.pipeline();
    for (const key of keys) {
      // The cursor's millisecond in full (one delivery batch may share it, and one share sits in several inboxes), then older ones.
      if (cursor) pipe.zrevrangebyscore(key, cursor.ms, cursor.ms, 'WITHSCORES');
      pipe.zrevrangebyscore(key, cursor ? `(${cursor.ms}` : '+inf', '-inf', 'WITHSCORES', 'LIMIT', 0, count);
    }
    const rows: Array<{ key: number; id: string; ms: number }> = [];
    (((await pipe.exec()) ?? []) as Exec).forEach(([err, flat], i) => {
      if (err) throw err;
      const key = cursor ? Math.floor(i / 2) : i;
      const f = flat as string[];
      for (let n = 0; n + 1 < f.length; n += 2) rows.push({ key, id: f[n], ms: Number(f[n + 1]) });
    });
    const after = (r: { ms: number; id: string; key: number }) =>
      !cursor || r.ms < cursor.ms || (r.ms === cursor.ms && (r.id < cursor.id || (r.id === cursor.id && cursor.key !== undefined && r.key > cursor.key)));
    return rows
      .filter(after)
      .sort((a, b) => b.ms - a.ms || (a.id < b.id ? 1 : a.id > b.id ? -1 : a.key - b.key))
      .slice(0, count);
  }

  async outPage(froms: string[], cursor: PageCursor | null, count: number) {
    return this.page(froms.map((f) => this.k.out(f)), cursor, count);
  }

  async outPageByValue(froms: string[], value: string, cursor: PageCursor | null, count: number) {
    return this.page(froms.map((f) => this.k.outv(f, value)), cursor, count);
  }

  async inPage(jurisdictions: string[], cursor: PageCursor | null, count: number) {
    return this.page(jurisdictions.map((j) => this.k.in(j)), cursor, count);
  }

  async inPageByValue(jurisdictions: string[], value: string, cursor: PageCursor | null, count: number) {
    return this.page(jurisdictions.map((j) => this.k.jv(j, value)), cursor, count);
  }

  // --- inbox ---

  /** Put an entry in a jurisdiction's inbox; false when it was already there (re-delivery). */
  async addEntry(entry: InboxEntry, state: InboxState): Promise<boolean> {
    const key = this.k.i(entry.jurisdiction, entry.shareId);
    const created = (await this.redis.hsetnx(key, 'entry', JSON.stringify(entry))) === 1;
    if (!created) return false;
    const received = Date.parse(entry.received);
    const m = this.redis.multi();
    m.hset(key, 'state', JSON.stringify(state)).pexpireat(key, Date.parse(entry.expires) + this.keepMs);
    for (const idx of [this.k.in(entry.jurisdiction), this.k.jv(entry.jurisdiction, entry.value)])
      m.zadd(idx, received, entry.shareId).zremrangebyscore(idx, '-inf', this.floor()).pexpire(idx, this.indexTtl());
    await m.exec();
    return true;
  }

  async setState(jurisdiction: string, shareId: string, state: InboxState): Promise<void> {
    const key = this.k.i(jurisdiction, shareId);
    if (await this.redis.exists(key)) await this.redis.hset(key, 'state', JSON.stringify(state));
  }

  /** Mark an inbox entry revoked; false when it already was (or is gone). */
  async markEntryRevoked(jurisdiction: string, shareId: string, rev: { at: string; reason: string; decision: RevokeOutcome }): Promise<boolean> {
    const key = this.k.i(jurisdiction, shareId);
    if (!(await this.redis.exists(key))) return false;
    return (await this.redis.hsetnx(key, 'revoked', JSON.stringify(rev))) === 1;
  }

  /** Rewrite the revocation outcome (set once the receiver's decision was settled). */
  async setEntryRevocation(jurisdiction: string, shareId: string, rev: { at: string; reason: string; decision: RevokeOutcome }): Promise<void> {
    await this.redis.hset(this.k.i(jurisdiction, shareId), 'revoked', JSON.stringify(rev));
  }

  async getEntry(jurisdiction: string, shareId: string): Promise<InboxView | null> {
    const [v] = await this.getEntries([[jurisdiction, shareId]]);
    return v;
  }

  async getEntries(refs: Array<[jurisdiction: string, shareId: string]>): Promise<Array<InboxView | null>> {
    if (!refs.length) return [];
    const pipe = this.redis.pipeline();
    for (const [j, id] of refs) pipe.hmget(this.k.i(j, id), 'entry', 'state', 'revoked');
    return (((await pipe.exec()) ?? []) as Exec).map(([err, row]) => {
      if (err) throw err;
      const [entry, state, revoked] = row as Array<string | null>;
      if (!entry || !state) return null;
      return { ...(JSON.parse(entry) as InboxEntry), state: JSON.parse(state) as InboxState, revoked: revoked ? JSON.parse(revoked) : null };
    });
  }

  /** Every inbox entry of a value in a jurisdiction still on record, oldest first. */
  async entriesFor(jurisdiction: string, value: string): Promise<InboxView[]> {
    const ids = await this.redis.zrangebyscore(this.k.jv(jurisdiction, value), this.floor(), '+inf');
    return (await this.getEntries(ids.map((id) => [jurisdiction, id]))).filter((e): e is InboxView => !!e);
  }

  async rememberReview(approvalId: string, ref: { jurisdiction: string; shareId: string }, ttlMs: number): Promise<void> {
    await this.redis.set(this.k.review(approvalId), JSON.stringify(ref), 'PX', Math.max(60_000, ttlMs + 86_400_000));
  }

  async recallReview(approvalId: string): Promise<{ jurisdiction: string; shareId: string } | null> {
    const row = await this.redis.get(this.k.review(approvalId));
    return row ? JSON.parse(row) : null;
  }

  // --- decisions playbook runs made in reaction to shares ---

  /** A run reacting to `shareId` made (or found already in force) this decision; kept until it expires. */
  async linkDecision(decisionId: string, jurisdiction: string, shareId: string, expires: string): Promise<void> {
    const dl = this.k.dl(decisionId);
    const sj = this.k.sj(shareId);
    const until = Math.max(Date.parse(expires) || 0, Date.now()) + 60_000;
    // The share's set lives as long as its longest-lived linked decision (NX sets the first expiry, GT only extends).
    await this.redis.multi().sadd(dl, shareId).pexpireat(dl, until).sadd(sj, jurisdiction).pexpireat(sj, until, 'NX').pexpireat(sj, until, 'GT').exec();
  }

  async jurisdictionsLinkedTo(shareId: string): Promise<string[]> {
    return this.redis.smembers(this.k.sj(shareId));
  }

  async linkedShares(decisionId: string): Promise<string[]> {
    return this.redis.smembers(this.k.dl(decisionId));
  }

  // --- TAXII collections ---

  /** (Re)add a share to its sender's collection as its newest version; returns the date added (µs). */
  async taxiiAdd(jurisdiction: string, shareId: string): Promise<number> {
    return Number(await taxiiAdd.run(this.redis, [this.k.taxii(jurisdiction), this.k.taxiiLast(jurisdiction), this.k.taxiiIds(jurisdiction)], [shareId, this.indexTtl(), shareIndicatorId(shareId)]));
  }

  /** Shares of a collection by STIX object id, with their date added (µs); ids not in it (or past retention) are left out. */
  async taxiiFind(jurisdiction: string, objectIds: string[]): Promise<Array<{ id: string; addedUs: number }>> {
    if (!objectIds.length) return [];
    const shareIds = await this.redis.hmget(this.k.taxiiIds(jurisdiction), ...objectIds);
    const found = [...new Set(shareIds.filter((id): id is string => !!id))];
    if (!found.length) return [];
    const scores = await this.redis.zmscore(this.k.taxii(jurisdiction), ...found);
    const floorUs = this.floor() * 1000;
    return found.flatMap((id, i) => (scores[i] !== null && Number(scores[i]) > floorUs ? [{ id, addedUs: Number(scores[i]) }] : []));
  }

  /** Share ids added strictly after `afterUs`, oldest first, with their date added (µs); one more than `limit` tells whether there are more. */
  async taxiiPage(jurisdiction: string, afterUs: number, limit: number, untilUs?: number): Promise<Array<{ id: string; addedUs: number }>> {
    const floorUs = this.floor() * 1000;
    const from = Math.max(afterUs, floorUs - 1);
    const flat = await this.redis.zrangebyscore(this.k.taxii(jurisdiction), `(${from}`, untilUs === undefined ? '+inf' : String(untilUs), 'WITHSCORES', 'LIMIT', 0, limit + 1);
    const out: Array<{ id: string; addedUs: number }> = [];
    for (let i = 0; i + 1 < flat.length; i += 2) out.push({ id: flat[i], addedUs: Number(flat[i + 1]) });
    return out;
  }

  async taxiiAddedOf(jurisdiction: string, shareId: string): Promise<number | null> {
    const s = await this.redis.zscore(this.k.taxii(jurisdiction), shareId);
    return s === null ? null : Number(s);
  }
}
