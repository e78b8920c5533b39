import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { CONFIG } from '../infra/config/config.module';
import type { GwanjeConfig } from '../infra/config/config.schema';
import { REDIS } from '../infra/redis/redis.module';
import { luaScript, type ScriptArg } from '../infra/redis/scripts';
import { ingestTotalsKey } from '../contracts/ingest-totals';
import type { GeoInfo } from './rules/matcher';

/** Both scripts take settings, then groups (see their headers); they build their key names from the prefix. */
const scripts = {
  update: luaScript<[], ScriptArg[], Array<[hash: string[], baselineLog: string, baselineN: number, windows: string[][], recurrence: string[]]>>(__dirname, 'lua/update-0.lua'),
  commit: luaScript<[totals: string], ScriptArg[], Array<[ip: string, generation: number, evidence: string[]]>>(__dirname, 'lua/commit-1.lua'),
};

/** A chunk's aggregate for one IP in one scope (`*` = the federation, or a jurisdiction id). */
export interface GroupUpdate {
  ip: string;
  scope: string;
  first: number;
  last: number;
  n: number;
  /** Σ exp(−(last − t)/τ) over the chunk's alerts: their contribution to the rate EWMA at `last`. */
  rateK: number;
  hi: number;
  allowed: number;
  blocked: number;
  geo: GeoInfo | null;
  jurisdictions: Array<[string, number]>;
  /** New distinct values as concatenated 8-hex hashes. */
  dt: string;
  dp: string;
  ds: string;
  /** Member addresses of an IPv6 prefix group ('' for an address). */
  da: string;
  sigs: Array<{ key: string; count: number; name: string }>;
  windows: Array<{ ruleId: string; kind: 'e' | 'v'; windowMs: number; items: Array<[string, number]> }>;
  evidence: string[];
}

export interface GroupRead {
  hash: Record<string, string>;
  baseline: { logRate: number; n: number };
  /** Per window, in request order: [member or value, time] pairs. */
  windows: Array<Array<[string, number]>>;
  recurrence: Record<string, string>;
}

export interface GroupCommit {
  ip: string;
  scope: string;
  rules: Array<{ id: string; record: string; at: number }>;
  rank: number | null;
  flag?: { expectedGen: number; score: number; at: number; log: Record<string, unknown> };
}

const INLINE_CAP = 7; // 7 × 8 hex = 56 bytes: the field stays under the listpack value limit

const pairs = (flat: string[]): Array<[string, number]> => {
  const out: Array<[string, number]> = [];
  for (let i = 0; i < flat.length; i += 2) out.push([flat[i], Number(flat[i + 1])]);
  return out;
};
const toHash = (flat: string[]): Record<string, string> => {
  const out: Record<string, string> = {};
  for (let i = 0; i < flat.length; i += 2) out[flat[i]] = flat[i + 1];
  return out;
};

/**
 * Redis keys of the detection domain, all under `<prefix>:det:`:
 * - `f:<scope>:<ip>` small hash of features, rule firings and (scope `*`) flag state; TTL stateTtl
 * - `h:<scope>:<dt|dp|ds|da>:<ip>` HyperLogLog once an IP has more than 7 distinct values
 * - `<ip>` may be an IPv6 prefix (`2001:db8:1:2::/64`, detection.ipv6Prefix): the same keys, plus
 *   `da` (its member addresses); it does not teach the baseline
 * - `w:<scope>:<rule>:<ip>` a correlation window (ZSET of alert ids, or HASH value → last time)
 * - `rank:<scope>` ZSET ip → log2(score) + t/H; `base` hash of learned baselines
 * - `ev:<ip>` evidence alert ids; `rec:<ip>` blocks recorded; `flags` capped log of flags
 * - `chunk:<ingest chunk id>` 'u' (merged) or 'c' (committed), so each chunk is scored once across
 *   retries; expires after the chunk's retry window
 */
@Injectable()
export class DetectionStore {
  readonly p: string;

  constructor(@Inject(REDIS) private readonly redis: Redis, @Inject(CONFIG) private readonly config: GwanjeConfig) {
    this.p = `${config.redis.keyPrefix}:det:`;
    for (const script of Object.values(scripts)) script.define(this.redis);
  }

  /**
   * One round trip: merge every group and read back what scoring needs. With an ingest `chunkId`
   * the merge happens once per chunk (a retry only reads); null when that chunk was already committed.
   */
  async update(groups: GroupUpdate[], chunkId = ''): Promise<GroupRead[] | null> {
    if (!groups.length) return [];
    const d = this.config.detection;
    const args: ScriptArg[] = [this.p, Math.ceil(d.stateTtlHours * 3600), d.rateTauMinutes * 60_000, d.baselineAlpha, INLINE_CAP, d.maxWindowValues, chunkId, this.chunkMarkTtl()];
    for (const g of groups) {
      args.push(g.ip, g.scope, g.first, g.last, g.n, g.rateK, g.hi, g.allowed, g.blocked, g.geo?.country ?? '', g.geo?.asn ?? '', (g.geo?.org ?? '').slice(0, 48));
      args.push(g.jurisdictions.length);
      for (const [j, t] of g.jurisdictions) args.push(j, t);
      args.push(g.dt, g.dp, g.ds, g.da, g.sigs.length);
      for (const s of g.sigs) args.push(s.key, s.count, s.name);
      args.push(g.windows.length);
      for (const w of g.windows) {
        args.push(w.ruleId, w.kind, w.windowMs, w.items.length);
        for (const [m, t] of w.items) args.push(m, t);
      }
      args.push(g.evidence.length, ...g.evidence);
    }
    const raw = await scripts.update.run(this.redis, [], args);
    if (!raw.length) return null;
    return raw.map(([hash, lb, bn, wins, rec]) => ({
      hash: toHash(hash),
      baseline: { logRate: Number(lb), n: Number(bn) },
      windows: wins.map(pairs),
      recurrence: toHash(rec),
    }));
  }

  /**
   * One round trip: rule firings, ranks and flag compare-and-sets. Returns the flags this call won.
   * With an ingest `chunkId` it also marks the chunk committed (nothing, when it already was).
   */
  async commit(groups: GroupCommit[], rankFloor: number, alertsScored = 0, chunkId = ''): Promise<Array<{ ip: string; generation: number; evidence: string[] }>> {
    if (!groups.length) return [];
    const args: ScriptArg[] = [this.p, rankFloor, this.config.detection.evidenceMax, 10_000, alertsScored, chunkId, this.chunkMarkTtl()];
    for (const g of groups) {
      args.push(g.ip, g.scope, g.rules.length);
      for (const r of g.rules) args.push(r.id, r.record, r.at);
      args.push(g.rank == null ? '' : g.rank.toFixed(9));
      if (g.flag) args.push(1, g.flag.expectedGen, g.flag.score, g.flag.at, JSON.stringify({ generation: 0, ...g.flag.log }));
      else args.push(0, 0, 0, 0, '');
    }
    // The deployment's `scored` total moves in the same round trip as the commit.
    const won = await scripts.commit.run(this.redis, [ingestTotalsKey(this.config.redis.keyPrefix)], args);
    return won.map(([ip, generation, evidence]) => ({ ip, generation: Number(generation), evidence }));
  }

  /**
   * How long a chunk's scoring marker (`chunk:<id>`) outlives it: long enough for every retry of
   * the job (stalled after lockDurationMs, up to 5 times; failed attempts back off for seconds).
   */
  private chunkMarkTtl(): number {
    return Math.max(900, Math.ceil((this.config.ingest.lockDurationMs * 10) / 1000));
  }

  /** Scope hashes of one IP (missing scopes are absent from the map). */
  async states(ip: string, scopes: string[]): Promise<Map<string, Record<string, string>>> {
    const pipe = this.redis.pipeline();
    for (const s of scopes) pipe.hgetall(`${this.p}f:${s}:${ip}`);
    const res = (await pipe.exec()) ?? [];
    const out = new Map<string, Record<string, string>>();
    res.forEach(([err, h], i) => {
      if (err) throw err;
      if (h && Object.keys(h).length) out.set(scopes[i], h as Record<string, string>);
    });
    return out;
  }

  /** Many IPs' hashes in one scope each: `[ip, scope]` pairs, answers in order (null: none). */
  async statesMany(keys: Array<[string, string]>): Promise<Array<Record<string, string> | null>> {
    if (!keys.length) return [];
    const pipe = this.redis.pipeline();
    for (const [ip, s] of keys) pipe.hgetall(`${this.p}f:${s}:${ip}`);
    const res = (await pipe.exec()) ?? [];
    return res.map(([err, h]) => {
      if (err) throw err;
      return h && Object.keys(h).length ? (h as Record<string, string>) : null;
    });
  }

  /** Union cardinality of an IP's promoted distinct sets across scopes (PFCOUNT of several keys reads, never writes). */
  async promotedUnion(ip: string, scopes: string[], feature: 'dt' | 'dp' | 'ds' | 'da'): Promise<number> {
    if (!scopes.length) return 0;
    return this.redis.pfcount(...scopes.map((s) => `${this.p}h:${s}:${feature}:${ip}`));
  }

  async baselines(scopes: string[]): Promise<Map<string, { logRate: number; n: number }>> {
    const out = new Map<string, { logRate: number; n: number }>();
    if (!scopes.length) return out;
    const vals = await this.redis.hmget(`${this.p}base`, ...scopes.flatMap((s) => [`${s}:lb`, `${s}:n`]));
    scopes.forEach((s, i) => {
      if (vals[2 * i] != null) out.set(s, { logRate: Number(vals[2 * i]), n: Number(vals[2 * i + 1] ?? 0) });
    });
    return out;
  }

  /** Blocks recorded for many IPs, one pipeline; answers in order. */
  async recurrenceMany(ips: string[]): Promise<Array<Record<string, string>>> {
    if (!ips.length) return [];
    const pipe = this.redis.pipeline();
    for (const ip of ips) pipe.hgetall(`${this.p}rec:${ip}`);
    return ((await pipe.exec()) ?? []).map(([err, h]) => {
      if (err) throw err;
      return (h ?? {}) as Record<string, string>;
    });
  }

  /** The block-list tells detection an IP was blocked (recurrence factor). */
  async recordBlock(ip: string, jurisdiction: string | null, at: number): Promise<number> {
    const k = `${this.p}rec:${ip}`;
    const pipe = this.redis.multi().hincrby(k, 'n', 1).hset(k, 'at', at);
    if (jurisdiction) pipe.hincrby(k, `j:${jurisdiction}`, 1);
    pipe.expire(k, Math.ceil(this.config.detection.recurrenceTtlDays * 86_400));
    const res = await pipe.exec();
    return Number(res?.[0]?.[1] ?? 0);
  }

  /** IPs of a scope ranked by decayed score, best first, down to `floor` (a rank key). */
  async ranked(scope: string, floor: number, limit: number): Promise<Array<{ ip: string; key: number }>> {
    const flat = await this.redis.zrevrangebyscore(`${this.p}rank:${scope}`, '+inf', floor, 'WITHSCORES', 'LIMIT', 0, limit);
    return pairs(flat).map(([ip, key]) => ({ ip, key }));
  }

  /** The newest flags (for operators and tests), newest first. */
  async recentFlags(limit = 100): Promise<Array<Record<string, unknown>>> {
    return (await this.redis.lrange(`${this.p}flags`, 0, limit - 1)).map((s) => JSON.parse(s));
  }

  async evidence(ip: string, limit: number): Promise<string[]> {
    return this.redis.lrange(`${this.p}ev:${ip}`, 0, limit - 1);
  }
}
