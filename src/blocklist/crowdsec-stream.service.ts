import { Injectable, Logger } from '@nestjs/common';
import { z } from 'zod';
import { compareStreamIds } from '../infra/redis/stream-id';
import type { Decision } from './decisions.schemas';
import { DecisionsStore } from './decisions.store';
import { goDuration } from '../contracts/duration';
import { FeedCache } from './feeds/feed-cache';
import { cleanReason } from './feeds/renderers';
import { contains, parseNet } from '../contracts/net';

/** A decision as CrowdSec bouncers read it (LAPI models.Decision). */
export const CsDecision = z.object({
  id: z.number().int(),
  origin: z.string(),
  type: z.literal('ban'),
  scope: z.enum(['Ip', 'Range']),
  value: z.string(),
  duration: z.string().describe('remaining, Go duration syntax: 3h59m50s'),
  scenario: z.string(),
});
export type CsDecision = z.infer<typeof CsDecision>;
export const CsStreamResponse = z.object({ new: z.array(CsDecision), deleted: z.array(CsDecision) });
export type CsStreamResponse = z.infer<typeof CsStreamResponse>;

/** Bouncers send more parameters than we use (origins, scenarios_containing, community_pull…): accept and ignore them. */
export const CsStreamQuery = z.looseObject({
  startup: z.enum(['true', 'false']).optional(),
  scopes: z.string().max(100).optional().describe('comma-separated: ip, range (default both)'),
});
export const CsLiveQuery = z.looseObject({
  ip: z.string().max(64).optional(),
  range: z.string().max(64).optional(),
  scope: z.string().max(20).optional(),
  value: z.string().max(64).optional(),
  type: z.string().max(20).optional(),
});

export type CsScope = 'ip' | 'range';

/** Changes returned by one delta pull at most; the rest follow on the next poll. */
const DELTA_LIMIT = 50_000;

/**
 * The CrowdSec LAPI bouncer contract over our decisions, so crowdsec-firewall-bouncer and the nginx
 * bouncer enforce them unmodified. Each API key has a cursor: a change-log position `sid` and the
 * instant `at` of its last pull, up to which every expiry has been answered. startup=true answers
 * every active decision and resets it; later pulls answer what the change log holds after `sid`,
 * plus expiries in (`at`, now] the sweep has not recorded yet (so `deleted` never waits for the
 * sweep). An expiry at or before `at` was answered by an earlier pull, so its later trace in the log
 * (the sweep's `expired` entry) is skipped: each ended decision reaches a key in `deleted` once.
 * `new` and `deleted` are always arrays, never null.
 */
@Injectable()
export class CrowdsecStream {
  private readonly log = new Logger('crowdsec-stream');
  constructor(private readonly store: DecisionsStore, private readonly cache: FeedCache) {}

  static parseScopes(text: string | undefined): Set<CsScope> | { error: string } {
    const out = new Set<CsScope>();
    for (const s of (text ?? 'ip,range').split(',').map((x) => x.trim().toLowerCase()).filter(Boolean)) {
      if (s !== 'ip' && s !== 'range') return { error: `scopes: ${s} is not ip or range` };
      out.add(s);
    }
    return out;
  }

  toCs(d: Decision, now: number): CsDecision {
    return {
      id: Number(d.id),
      origin: 'gwanje',
      type: 'ban',
      scope: d.scope === 'ip' ? 'Ip' : 'Range',
      value: d.value,
      duration: goDuration(Date.parse(d.expires) - now),
      scenario: cleanReason(d.reason, 200) || `gwanje/${d.origin.type}`,
    };
  }

  /** One bouncer pull. `head` answers without moving the cursor (as LAPI does for HEAD). */
  async pull(keyId: string, jurisdiction: string, opts: { startup: boolean; scopes: Set<CsScope>; head?: boolean }): Promise<CsStreamResponse> {
    const now = Date.now();
    const cursor = opts.startup ? null : await this.store.getCursor(keyId, jurisdiction);
    const bounds = await this.store.logBounds(jurisdiction);
    const gap = cursor !== null && bounds.first !== null && compareStreamIds(bounds.first, cursor.sid) > 0 && (await this.trimmedPast(jurisdiction, cursor.sid));
    let answer: { created: Decision[]; deleted: Decision[]; sid: string };
    if (!cursor || gap) {
      if (gap) this.log.warn({ keyId, jurisdiction }, 'bouncer cursor fell off the change log; answering the full list');
      // The position is read before the state, so anything in between comes again next time (harmless) rather than never.
      const sid = bounds.last ?? '0-0';
      const snap = await this.cache.snapshot(jurisdiction);
      answer = { created: snap.active.map((e) => e.d), deleted: snap.ended.filter((e) => e.expiresMs > now).map((e) => e.d), sid };
    } else {
      answer = await this.delta(jurisdiction, cursor, now);
    }
    if (!opts.head) await this.store.setCursor(keyId, jurisdiction, { sid: answer.sid, at: now });
    const inScope = (d: Decision) => opts.scopes.has(d.scope);
    return {
      new: answer.created.filter(inScope).sort((a, b) => Number(a.id) - Number(b.id)).map((d) => this.toCs(d, now)),
      deleted: answer.deleted.filter(inScope).sort((a, b) => Number(a.id) - Number(b.id)).map((d) => this.toCs(d, now)),
    };
  }

  private async delta(jurisdiction: string, cursor: { sid: string; at: number }, now: number) {
    // Unswept expiries first, the log second: an expiry the sweep records in between is then in the
    // log we read (deduplicated by id below) rather than in neither.
    const unswept = await this.store.getMany(await this.store.expiredUnswept(jurisdiction, cursor.at, now));
    const changes = await this.store.changesAfter(jurisdiction, cursor.sid, DELTA_LIMIT);
    const created = new Map<string, Decision>();
    const deleted = new Map<string, Decision>();
    for (const c of changes) {
      if (!c.decision) continue;
      const expiresMs = Date.parse(c.decision.expires);
      if (c.kind === 'created' && expiresMs > now) created.set(c.id, c.decision);
      else if (c.kind === 'ended') {
        created.delete(c.id);
        deleted.set(c.id, c.decision);
      } else {
        // Created-and-expired or swept: an expiry at or before the last pull was answered by that pull.
        created.delete(c.id);
        if (expiresMs > cursor.at) deleted.set(c.id, c.decision);
      }
    }
    for (const d of unswept) {
      if (!d || d.ended) continue;
      created.delete(d.id);
      deleted.set(d.id, d);
    }
    return { created: [...created.values()], deleted: [...deleted.values()], sid: changes.length ? changes[changes.length - 1].sid : cursor.sid };
  }

  /** Whether entries after `sid` were trimmed (Redis 7 reports the highest deleted id). */
  private async trimmedPast(jurisdiction: string, sid: string): Promise<boolean> {
    const info = (await this.store.streamInfo(jurisdiction)) ?? {};
    const maxDeleted = info['max-deleted-entry-id'];
    return typeof maxDeleted === 'string' ? compareStreamIds(maxDeleted, sid) > 0 : true;
  }

  /** Live mode (`GET /v1/decisions?ip=`): active decisions that cover the address or range; null when none, as LAPI answers. */
  async live(jurisdiction: string, q: z.infer<typeof CsLiveQuery>): Promise<CsDecision[] | null> {
    const now = Date.now();
    if (q.type && q.type.toLowerCase() !== 'ban') return null;
    const snap = await this.cache.snapshot(jurisdiction);
    const text = q.ip ?? q.range ?? q.value;
    let found: Decision[];
    if (!text) found = snap.active.map((e) => e.d);
    else {
      const target = parseNet(text);
      if (!target) return null;
      found = [];
      const host = snap.hosts.get(target.text);
      if (host && host.expiresMs > now) found.push(host.d);
      for (const e of snap.ranges) {
        const net = parseNet(e.d.value);
        if (net && e.expiresMs > now && contains(net, target)) found.push(e.d);
      }
    }
    return found.length ? found.map((d) => this.toCs(d, now)) : null;
  }
}
