import { Inject, Injectable } from '@nestjs/common';
import { randomInt } from 'node:crypto';
import type Redis from 'ioredis';
import { CONFIG } from '../infra/config/config.module';
import type { GwanjeConfig } from '../infra/config/config.schema';
import { REDIS } from '../infra/redis/redis.module';
import { configDuration } from '../contracts/duration';
import { luaScript } from '../infra/redis/scripts';
import type { ChangeEntry, ChangeKind, Decision } from './decisions.schemas';

/** Per-jurisdiction feed state: change counter, time of the last write, latest recorded expiry (ms). */
export interface FeedMeta {
  ver: number;
  mtime: number;
  lastExpiry: number;
}

/** Everything a feed needs to render a jurisdiction, read in one transaction. */
export interface Loaded {
  meta: FeedMeta;
  /** Last change-log id at load time; deltas continue from here. */
  logId: string;
  active: Decision[];
  /** Ended decisions still inside the revoked window. */
  ended: Decision[];
  /** Latest expiry at or before now not yet recorded by the sweep (ms, 0 if none). */
  unsweptExpiry: number;
}

export type InsertOutcome = { kind: 'ok' | 'dup' | 'idem'; id: string } | { kind: 'stale' } | { kind: 'taken' };

/** Ids count milliseconds from here (2020-01-01T00:00:00Z), which keeps them below 2^53 until 2089. */
const ID_EPOCH_MS = 1_577_836_800_000;
const ID_RANDOM = 4096;
let lastId = 0;

/**
 * Decision ids: decimal (CrowdSec bouncers need numeric ids, and JSON numbers stay exact below
 * 2^53), time-ordered (ms since 2020 × 4096, so id order is creation order and the listing needs no
 * other index) plus 12 random bits — neither sequential nor guessable from a neighbour, and telling
 * nothing of how many decisions other jurisdictions make. Older ids from the former counter sort
 * below every new one. Within one process ids only grow: one drawn at or below the last (same
 * millisecond, or a bulk allocation) takes a random step of 2–256 above it instead.
 */
export function decisionIds(count: number, now = Date.now()): string[] {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    let id = (now - ID_EPOCH_MS) * ID_RANDOM + randomInt(ID_RANDOM);
    if (id <= lastId) id = lastId + 1 + randomInt(1, 256);
    lastId = id;
    out.push(String(id));
  }
  return out;
}

type Exec = Array<[Error | null, unknown]>;

type S = string;
type BanReply = [kind: 'ok' | 'dup' | 'idem', id: string] | [kind: 'stale' | 'taken', none: ''];
/** The Lua scripts of this store; their headers (lua/*.lua) say what each key and argument is. */
const scripts = {
  ban: luaScript<
    [d: S, act: S, val: S, all: S, hist: S, meta: S, log: S, exp: S, idem: S, allowlistVersion: S],
    [id: S, json: S, value: S, createdMs: number, expiresMs: number, recordTtlMs: number, histTtlMs: number, logMax: number, idemTtlS: number, hasIdem: '1' | '0', nowMs: number, expMember: S, allowlistVersionSeen: S],
    BanReply
  >(__dirname, 'lua/ban-10.lua'),
  end: luaScript<[d: S, act: S, val: S, end: S, meta: S, log: S, exp: S], [id: S, json: S, value: S, nowMs: number, logMax: number, expMember: S, dropEndedBeforeMs: number], 0 | 1>(__dirname, 'lua/end-7.lua'),
  sweep: luaScript<[exp: S], [prefix: S, nowMs: number, batch: number, logMax: number], number>(__dirname, 'lua/sweep-1.lua'),
};

const parseDecision = (json: string) => JSON.parse(json) as Decision; // written by this store only, from a validated Decision
const chunks = <T>(items: T[], size: number) => Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, i * size + size));

/**
 * Redis keys of the decisions domain, all under `<prefix>:bl:`:
 * - `d:<id>` the decision (JSON, kept until expiry + retention); ids are time-ordered random (decisionIds)
 * - `act:<j>` active ids by expiry (ms); `val:<j>` value → active id; `all:<j>` every id (newest first listing)
 * - `end:<j>` ended ids by end time (revoked window); `hist:<j>:<value>` bans of a value by creation time (escalation)
 * - `meta:<j>` {ver, mtime, lastExpiry}; `log:<j>` change stream; `exp` global expiry index for the sweep
 * - `idem:<j>:<key>` idempotency; `cs:<keyId>:<j>` CrowdSec stream cursor per API key
 */
@Injectable()
export class DecisionsStore {
  readonly p: string;
  private readonly recordTtlExtraMs: number;
  private readonly histTtlMs: number;
  private readonly revokedKeepMs: number;

  constructor(@Inject(REDIS) private readonly redis: Redis, @Inject(CONFIG) private readonly config: GwanjeConfig) {
    const bl = config.blocklist;
    this.p = `${config.redis.keyPrefix}:bl`;
    this.recordTtlExtraMs = bl.retentionDays * 86_400_000;
    // Long enough for escalation's look-back and for listing a value's history as long as the records live.
    this.histTtlMs = Math.max(configDuration(bl.escalation.lookback), configDuration(bl.maxDuration) + this.recordTtlExtraMs);
    this.revokedKeepMs = bl.revokedKeepHours * 3_600_000;
    // Before any pipeline is made: pipelines carry the scripts their client had.
    for (const script of Object.values(scripts)) script.define(redis);
  }

  private key = {
    d: (id: string) => `${this.p}:d:${id}`,
    act: (j: string) => `${this.p}:act:${j}`,
    val: (j: string) => `${this.p}:val:${j}`,
    all: (j: string) => `${this.p}:all:${j}`,
    end: (j: string) => `${this.p}:end:${j}`,
    hist: (j: string, value: string) => `${this.p}:hist:${j}:${value}`,
    meta: (j: string) => `${this.p}:meta:${j}`,
    log: (j: string) => `${this.p}:log:${j}`,
    exp: () => `${this.p}:exp`,
    idem: (j: string, k: string) => `${this.p}:idem:${j}:${k}`,
    cursor: (keyId: string, j: string) => `${this.p}:cs:${keyId}:${j}`,
  };
  private expMember = (d: Decision) => `${d.jurisdiction}\n${d.id}\n${d.value}`;

  /** Fresh decision ids (see decisionIds); a clash with a stored one is caught by the insert ('taken'). */
  nextIds(count = 1, now = Date.now()): string[] {
    return decisionIds(count, now);
  }

  private banArgs(d: Decision, opts: { idempotencyKey?: string; allowlistVersion: string; allowlistVersionKey: string; now: number }) {
    const bl = this.config.blocklist;
    const expiresMs = Date.parse(d.expires);
    const keys: Parameters<typeof scripts.ban.run>[1] = [
      this.key.d(d.id), this.key.act(d.jurisdiction), this.key.val(d.jurisdiction), this.key.all(d.jurisdiction), this.key.hist(d.jurisdiction, d.value),
      this.key.meta(d.jurisdiction), this.key.log(d.jurisdiction), this.key.exp(), this.key.idem(d.jurisdiction, opts.idempotencyKey ?? '-'), opts.allowlistVersionKey,
    ];
    const args: Parameters<typeof scripts.ban.run>[2] = [
      d.id, JSON.stringify(d), d.value, Date.parse(d.created), expiresMs, Math.max(1, expiresMs - opts.now + this.recordTtlExtraMs), this.histTtlMs,
      bl.changeLogMax, bl.idempotencyTtlSeconds, opts.idempotencyKey ? '1' : '0', opts.now, this.expMember(d), opts.allowlistVersion,
    ];
    return [keys, args] as const;
  }

  /** Store a new decision unless one is active for its value (or its idempotency key was used, or its id is taken); see lua/ban-10.lua. */
  async insert(d: Decision, opts: { idempotencyKey?: string; allowlistVersion: string; allowlistVersionKey: string }): Promise<InsertOutcome> {
    const [kind, id] = await scripts.ban.run(this.redis, ...this.banArgs(d, { ...opts, now: Date.now() }));
    if (kind === 'stale' || kind === 'taken') return { kind };
    return { kind, id };
  }

  /** Bulk load (bench, imports): pipelined, without allowlist checks — callers have checked. A decision whose id is taken gets a new one. */
  async insertMany(decisions: Decision[], allowlistVersionKey: string): Promise<number> {
    let stored = 0;
    for (let part of chunks(decisions, 5000)) {
      while (part.length) {
        const pipe = this.redis.pipeline();
        const now = Date.now();
        for (const d of part) scripts.ban.queue(pipe, ...this.banArgs(d, { allowlistVersion: '*', allowlistVersionKey, now }));
        const taken: Decision[] = [];
        (((await pipe.exec()) ?? []) as Exec).forEach(([err, res], i) => {
          if (err) throw err;
          const kind = (res as string[])[0];
          if (kind === 'ok') stored++;
          else if (kind === 'taken') taken.push(part[i]);
        });
        const fresh = decisionIds(taken.length);
        part = taken.map((d, i) => ({ ...d, id: fresh[i] }));
      }
    }
    return stored;
  }

  /** Mark a decision ended; false when it was no longer active. */
  async end(ended: Decision): Promise<boolean> {
    const now = Date.now();
    const j = ended.jurisdiction;
    const res = await scripts.end.run(
      this.redis,
      [this.key.d(ended.id), this.key.act(j), this.key.val(j), this.key.end(j), this.key.meta(j), this.key.log(j), this.key.exp()],
      [ended.id, JSON.stringify(ended), ended.value, now, this.config.blocklist.changeLogMax, this.expMember(ended), now - this.revokedKeepMs],
    );
    return Number(res) === 1;
  }

  /** Record due expiries (events); returns how many were recorded. */
  async sweep(now: number, batch = 1000): Promise<number> {
    return Number(await scripts.sweep.run(this.redis, [this.key.exp()], [this.p, now, batch, this.config.blocklist.changeLogMax]));
  }

  async get(id: string): Promise<Decision | null> {
    const row = await this.redis.get(this.key.d(id));
    return row ? parseDecision(row) : null;
  }

  /** Decisions by id, in order; null where the record is gone (retention). */
  async getMany(ids: string[]): Promise<Array<Decision | null>> {
    if (!ids.length) return [];
    const pipe = this.redis.pipeline();
    for (const part of chunks(ids, 2000)) pipe.mget(...part.map((id) => this.key.d(id)));
    const out: Array<Decision | null> = [];
    for (const [err, rows] of ((await pipe.exec()) ?? []) as Exec) {
      if (err) throw err;
      for (const r of rows as Array<string | null>) out.push(r ? parseDecision(r) : null);
    }
    return out;
  }

  /** The id of the active decision for exactly this value, if any. */
  async activeIdFor(jurisdiction: string, value: string, now = Date.now()): Promise<string | null> {
    const id = await this.redis.hget(this.key.val(jurisdiction), value);
    if (!id) return null;
    const score = await this.redis.zscore(this.key.act(jurisdiction), id);
    return score !== null && Number(score) > now ? id : null;
  }

  async activeIds(jurisdiction: string, now = Date.now()): Promise<string[]> {
    return this.redis.zrangebyscore(this.key.act(jurisdiction), `(${now}`, '+inf');
  }

  /** Ids of active decisions whose expiry fell in (fromMs, toMs] and that the sweep has not recorded yet. */
  async expiredUnswept(jurisdiction: string, fromMs: number, toMs: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.key.act(jurisdiction), `(${fromMs}`, String(toMs));
  }

  /** Bans of a value in a jurisdiction created at or after `sinceMs` (escalation). */
  async bansSince(jurisdiction: string, value: string, sinceMs: number): Promise<number> {
    return this.redis.zcount(this.key.hist(jurisdiction, value), String(sinceMs), '+inf');
  }

  /** Ids of every ban of a value still on record, newest first. */
  async historyIds(jurisdiction: string, value: string): Promise<string[]> {
    return this.redis.zrevrange(this.key.hist(jurisdiction, value), 0, -1);
  }

  /** Up to `count` ids below `beforeId` (exclusive; null: from the newest), newest first. */
  async idsBefore(jurisdiction: string, beforeId: string | null, count: number): Promise<string[]> {
    return this.redis.zrevrangebyscore(this.key.all(jurisdiction), beforeId ? `(${beforeId}` : '+inf', '-inf', 'LIMIT', 0, count);
  }

  /** Drop index entries whose records ran out of retention. */
  async forget(jurisdiction: string, ids: string[]): Promise<void> {
    if (ids.length) await this.redis.zrem(this.key.all(jurisdiction), ...ids);
  }

  async meta(jurisdiction: string): Promise<FeedMeta> {
    const [ver, mtime, lastExpiry] = await this.redis.hmget(this.key.meta(jurisdiction), 'ver', 'mtime', 'lastExpiry');
    return { ver: Number(ver ?? 0), mtime: Number(mtime ?? 0), lastExpiry: Number(lastExpiry ?? 0) };
  }

  /** A consistent view of a jurisdiction for rendering feeds (one MULTI, then the records). */
  async load(jurisdiction: string, now = Date.now()): Promise<Loaded> {
    const res = (await this.redis
      .multi()
      .hmget(this.key.meta(jurisdiction), 'ver', 'mtime', 'lastExpiry')
      .zrangebyscore(this.key.act(jurisdiction), `(${now}`, '+inf')
      .zrangebyscore(this.key.end(jurisdiction), `(${now - this.revokedKeepMs}`, '+inf')
      .xrevrange(this.key.log(jurisdiction), '+', '-', 'COUNT', 1)
      .zrevrangebyscore(this.key.act(jurisdiction), String(now), '-inf', 'WITHSCORES', 'LIMIT', 0, 1)
      .exec()) as Exec;
    const [ver, mtime, lastExpiry] = res[0][1] as Array<string | null>;
    const activeIds = res[1][1] as string[];
    const endedIds = res[2][1] as string[];
    const last = res[3][1] as Array<[string, string[]]>;
    const unswept = res[4][1] as string[];
    const records = await this.getMany([...activeIds, ...endedIds]);
    return {
      meta: { ver: Number(ver ?? 0), mtime: Number(mtime ?? 0), lastExpiry: Number(lastExpiry ?? 0) },
      logId: last[0]?.[0] ?? '0-0',
      // A decision ended between the MULTI and the read shows up ended: leave it to the delta.
      active: records.slice(0, activeIds.length).filter((d): d is Decision => !!d && !d.ended),
      ended: records.slice(activeIds.length).filter((d): d is Decision => !!d && !!d.ended),
      unsweptExpiry: unswept.length ? Number(unswept[1]) : 0,
    };
  }

  /** Change-log entries after `afterSid` (exclusive), oldest first. */
  async changesAfter(jurisdiction: string, afterSid: string, count: number): Promise<ChangeEntry[]> {
    const rows = await this.redis.xrange(this.key.log(jurisdiction), `(${afterSid}`, '+', 'COUNT', count);
    return rows.map(([sid, fields]) => toChange(sid, fields));
  }

  /** First and last ids of a jurisdiction's change log (null when empty). */
  async logBounds(jurisdiction: string): Promise<{ first: string | null; last: string | null }> {
    const res = (await this.redis.multi().xrange(this.key.log(jurisdiction), '-', '+', 'COUNT', 1).xrevrange(this.key.log(jurisdiction), '+', '-', 'COUNT', 1).exec()) as Exec;
    return { first: (res[0][1] as Array<[string]>)[0]?.[0] ?? null, last: (res[1][1] as Array<[string]>)[0]?.[0] ?? null };
  }

  /** XINFO STREAM of a change log as an object (null when the stream does not exist). */
  async streamInfo(jurisdiction: string): Promise<Record<string, unknown> | null> {
    try {
      const flat = (await this.redis.xinfo('STREAM', this.key.log(jurisdiction))) as unknown[];
      const out: Record<string, unknown> = {};
      for (let i = 0; i + 1 < flat.length; i += 2) out[String(flat[i])] = flat[i + 1];
      return out;
    } catch {
      return null;
    }
  }

  logKey(jurisdiction: string): string {
    return this.key.log(jurisdiction);
  }

  async getCursor(keyId: string, jurisdiction: string): Promise<{ sid: string; at: number } | null> {
    const [sid, at] = await this.redis.hmget(this.key.cursor(keyId, jurisdiction), 'sid', 'at');
    return sid && at ? { sid, at: Number(at) } : null;
  }

  async setCursor(keyId: string, jurisdiction: string, cursor: { sid: string; at: number }): Promise<void> {
    const k = this.key.cursor(keyId, jurisdiction);
    // A bouncer that stops polling for a month starts over with startup=true anyway.
    await this.redis.multi().hset(k, { sid: cursor.sid, at: String(cursor.at) }).expire(k, 30 * 86_400).exec();
  }
}

/** A raw stream entry (field list) as a change. */
export function toChange(sid: string, fields: string[]): ChangeEntry {
  const f: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i]] = fields[i + 1];
  return { sid, kind: f.k as ChangeKind, id: f.id, ver: f.v ? Number(f.v) : null, decision: f.d ? parseDecision(f.d) : null };
}
