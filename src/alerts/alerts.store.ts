import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { CONFIG } from '../infra/config/config.module';
import type { GwanjeConfig } from '../infra/config/config.schema';
import { REDIS } from '../infra/redis/redis.module';
import { compareStreamIds } from '../infra/redis/stream-id';
import type { NormalizedAlert } from '../contracts/alert';
import { luaScript } from '../infra/redis/scripts';
import { ingestTotalsKey } from '../contracts/ingest-totals';

/** The ingest totals hash, then settings and 5 values per alert (see the script's header); it builds its other key names from the prefix. */
const storeChunk = luaScript<[totals: string], string[], [stored: string[], again: string[]]>(__dirname, 'lua/store-chunk-1.lua');


/** A position in the newest-first merge of jurisdiction streams: stream id, then jurisdiction. */
interface Position {
  sid: string;
  j: string;
}
const cmpSid = compareStreamIds;
/** Descending order over (stream id, jurisdiction). */
const before = (a: Position, b: Position) => cmpSid(b.sid, a.sid) || b.j.localeCompare(a.j);
export const encodeCursor = (p: Position) => Buffer.from(`${p.sid}|${p.j}`).toString('base64url');
export function decodeCursor(cursor: string): Position | null {
  const [sid, j] = Buffer.from(cursor, 'base64url').toString().split('|');
  return sid && j && /^\d+-\d+$/.test(sid) ? { sid, j } : null;
}

/**
 * Redis keys of the alerts domain. Alerts live in one stream per jurisdiction (ordered by receive
 * time, trimmed by age and count), with a per-source-IP index and day buckets of seen ids.
 */
@Injectable()
export class AlertsStore {
  private readonly p: string;
  private readonly ttlSeconds: number;

  constructor(@Inject(REDIS) private readonly redis: Redis, @Inject(CONFIG) private readonly config: GwanjeConfig) {
    this.p = config.redis.keyPrefix;
    this.ttlSeconds = Math.ceil(config.alerts.retentionDays * 86_400) + 86_400;
    storeChunk.define(this.redis);
  }

  /**
   * Store alerts not stored before. Atomic per chunk, so a killed worker leaves all or nothing.
   * `fresh`: stored now; `again`: stored by an earlier attempt of the same chunk (`chunkId`), which
   * a retry must still hand to detection (it may have died before scoring them). Each stored id's
   * seen-bucket value is an 8-hex tag of its chunk, so this costs no key per chunk.
   */
  async storeChunk(alerts: NormalizedAlert[], chunkId: string): Promise<{ fresh: NormalizedAlert[]; again: NormalizedAlert[]; pending: NormalizedAlert[] }> {
    const minId = `${Date.now() - this.config.alerts.retentionDays * 86_400_000}-0`;
    const tag = createHash('sha1').update(chunkId).digest('hex').slice(0, 8);
    const args: string[] = [this.p, String(this.config.alerts.maxPerJurisdiction), String(this.config.alerts.perIpIndex), String(this.ttlSeconds), minId, tag];
    for (const a of alerts) args.push(a.id, a.jurisdiction, a.source.ip, a.timestamp.slice(0, 10), JSON.stringify(a));
    const [stored, again] = await storeChunk.run(this.redis, [ingestTotalsKey(this.p)], args);
    const s = new Set(stored);
    const g = new Set(again);
    const fresh = alerts.filter((a) => s.has(a.id));
    // `pending`: what detection must be offered, in chunk order (it skips a chunk it already scored).
    return { fresh, again: alerts.filter((a) => g.has(a.id)), pending: g.size ? alerts.filter((a) => s.has(a.id) || g.has(a.id)) : fresh };
  }

  /** Newest first across the given jurisdictions, by receive time. */
  async list(jurisdictions: string[], q: { since?: string; until?: string; limit: number; cursor?: string; srcIp?: string }) {
    const after = q.cursor ? decodeCursor(q.cursor) : null;
    const sinceMs = q.since ? Date.parse(q.since) : 0;
    const untilMs = q.until ? Date.parse(q.until) : Number.MAX_SAFE_INTEGER;
    const rows = q.srcIp ? await this.byIp(q.srcIp, jurisdictions, sinceMs, untilMs, after, q.limit) : await this.merged(jurisdictions, sinceMs, untilMs, after, q.limit);
    const page = rows.slice(0, q.limit);
    return {
      items: page.map((r) => JSON.parse(r.json) as NormalizedAlert),
      next: rows.length > q.limit ? encodeCursor(page[page.length - 1]) : null,
    };
  }

  private async merged(jurisdictions: string[], sinceMs: number, untilMs: number, after: Position | null, limit: number) {
    const pipe = this.redis.pipeline();
    for (const j of jurisdictions) {
      let end = untilMs === Number.MAX_SAFE_INTEGER ? '+' : `(${untilMs}-0`;
      if (after) {
        // Same stream id as the cursor: later jurisdictions (in descending order) still have it to give.
        const inclusive = j < after.j;
        const cand = inclusive ? after.sid : `(${after.sid}`;
        if (end === '+' || cmpSid(after.sid, end.slice(1)) < 0) end = cand;
      }
      pipe.xrevrange(`${this.p}:alerts:j:${j}`, end, `${sinceMs}-0`, 'COUNT', limit + 1);
    }
    const results = (await pipe.exec()) ?? [];
    const rows: Array<Position & { json: string }> = [];
    results.forEach(([err, entries], i) => {
      if (err) throw err;
      for (const [sid, fields] of entries as Array<[string, string[]]>) rows.push({ sid, j: jurisdictions[i], json: fields[1] });
    });
    return rows.sort(before).slice(0, limit + 1);
  }

  private async byIp(ip: string, jurisdictions: string[], sinceMs: number, untilMs: number, after: Position | null, limit: number) {
    const allowed = new Set(jurisdictions);
    const refs = (await this.redis.lrange(`${this.p}:alerts:ip:${ip}`, 0, -1))
      .map((r) => {
        const bar = r.lastIndexOf('|');
        return { j: r.slice(0, bar), sid: r.slice(bar + 1) };
      })
      .filter((r) => {
        const ms = Number(r.sid.split('-')[0]);
        return allowed.has(r.j) && ms >= sinceMs && ms < untilMs && (!after || before(after, r) < 0);
      })
      .sort(before)
      .slice(0, limit + 1);
    const pipe = this.redis.pipeline();
    refs.forEach((r) => pipe.xrange(`${this.p}:alerts:j:${r.j}`, r.sid, r.sid));
    const results = (await pipe.exec()) ?? [];
    return refs
      .map((r, i) => ({ ...r, json: ((results[i]?.[1] as Array<[string, string[]]>) ?? [])[0]?.[1][1] }))
      .filter((r): r is Position & { json: string } => typeof r.json === 'string');
  }

  /**
   * Alerts stored per minute of receive time over [sinceMs, untilMs), summed over the given
   * jurisdictions, from the per-minute counters the store-chunk script keeps (2 days). `minutes`:
   * one entry per minute, oldest first, zeros included (`minute` is its start in epoch ms);
   * `byJurisdiction`: each jurisdiction's total over the window.
   */
  async perMinute(jurisdictions: string[], sinceMs: number, untilMs: number): Promise<{ minutes: Array<{ minute: number; count: number }>; byJurisdiction: Record<string, number> }> {
    const first = Math.floor(sinceMs / 60_000);
    const last = Math.ceil(untilMs / 60_000) - 1;
    const byJurisdiction: Record<string, number> = Object.fromEntries(jurisdictions.map((j) => [j, 0]));
    if (last < first) return { minutes: [], byJurisdiction };
    // One HMGET per jurisdiction and day hash, naming exactly the window's minutes.
    const slices: Array<{ day: number; minutes: number[] }> = [];
    for (let m = first; m <= last; m++) {
      const day = Math.floor(m / 1440);
      if (slices[slices.length - 1]?.day !== day) slices.push({ day, minutes: [] });
      slices[slices.length - 1].minutes.push(m);
    }
    const pipe = this.redis.pipeline();
    for (const j of jurisdictions) for (const s of slices) pipe.hmget(`${this.p}:alerts:pm:${j}:${s.day}`, ...s.minutes.map(String));
    const results = (await pipe.exec()) ?? [];
    const totals = new Map<number, number>();
    let r = 0;
    for (const j of jurisdictions)
      for (const s of slices) {
        const [err, values] = results[r++] ?? [null, []];
        if (err) throw err;
        (values as Array<string | null>).forEach((v, i) => {
          if (v === null) return;
          totals.set(s.minutes[i], (totals.get(s.minutes[i]) ?? 0) + Number(v));
          byJurisdiction[j] += Number(v);
        });
      }
    const minutes: Array<{ minute: number; count: number }> = [];
    for (let m = first; m <= last; m++) minutes.push({ minute: m * 60_000, count: totals.get(m) ?? 0 });
    return { minutes, byJurisdiction };
  }

  /** Count of alerts held per jurisdiction (stream lengths). */
  async counts(jurisdictions: string[]): Promise<Record<string, number>> {
    const pipe = this.redis.pipeline();
    jurisdictions.forEach((j) => pipe.xlen(`${this.p}:alerts:j:${j}`));
    const res = (await pipe.exec()) ?? [];
    return Object.fromEntries(jurisdictions.map((j, i) => [j, Number(res[i]?.[1] ?? 0)]));
  }
}
