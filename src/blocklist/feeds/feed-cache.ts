import { Inject, Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip as gzipCb } from 'node:zlib';
import { CONFIG } from '../../infra/config/config.module';
import type { GwanjeConfig } from '../../infra/config/config.schema';
import { isRedisConnectionError } from '../../infra/redis/redis.health';
import { JurisdictionsService } from '../../jurisdictions/jurisdictions.service';
import { DecisionsStore, type FeedMeta } from '../decisions.store';
import { CONTENT_TYPES, renderBytes, type FeedFormat } from './renderers';
import { Snapshot } from './snapshot';

const gzip = promisify(gzipCb);

export interface FeedVariant {
  format: FeedFormat;
  maxEntries?: number;
  minScore?: number;
  comments?: boolean;
}

/** A rendered feed: body, strong validators, and its gzip made once on first demand. */
export interface Rendering {
  body: Buffer;
  /** Quoted strong ETags of the identity and the gzip representation (they are different bytes). */
  etag: string;
  etagGzip: string;
  lastModified: number;
  contentType: string;
  count: number;
  gzipped(): Promise<Buffer>;
}

/** A rendering as served: `staleMs` set when Redis was unreachable and it shows the last state read, that long ago. */
export type Served = Rendering & { staleMs?: number };

/** More changes than this since the last rendering: reload the jurisdiction instead of replaying the log. */
const DELTA_MAX = 5000;

/**
 * Feeds served from memory. Per request: one HMGET of the jurisdiction's change counter. When it
 * moved, the change log since our position is replayed into the snapshot (or, after a gap, the
 * jurisdiction is reloaded); when the clock passes the earliest expiry, the snapshot drops what
 * expired at that exact instant. Each (format, parameters) is rendered, hashed and gzipped at
 * most once per content change, and shared by concurrent requests.
 */
@Injectable()
export class FeedCache {
  private readonly log = new Logger('feeds');
  private readonly snapshots = new Map<string, Snapshot>();
  private readonly refreshing = new Map<string, Promise<Snapshot>>();
  private readonly renderings = new Map<string, Map<string, { snap: Snapshot; epoch: number; r: Rendering }>>();
  private readonly revokedKeepMs: number;

  constructor(
    private readonly store: DecisionsStore,
    private readonly jurisdictions: JurisdictionsService,
    @Inject(CONFIG) private readonly config: GwanjeConfig,
  ) {
    this.revokedKeepMs = config.blocklist.revokedKeepHours * 3_600_000;
  }

  /** The jurisdiction's current state (one round trip when nothing changed). */
  async snapshot(jurisdiction: string): Promise<Snapshot> {
    const meta = await this.store.meta(jurisdiction);
    let snap = this.snapshots.get(jurisdiction);
    if (!snap || snap.ver < meta.ver) snap = await this.refresh(jurisdiction, meta);
    snap.verifiedAt = Date.now();
    snap.advance(snap.verifiedAt);
    return snap;
  }

  /**
   * The current state; while Redis is unreachable, the last one read from it (its expiries
   * still applied by the clock), with how long ago Redis confirmed it. Firewalls keep blocking
   * through an outage rather than getting errors, or worse, an empty list.
   */
  private async current(jurisdiction: string): Promise<{ snap: Snapshot; staleMs?: number }> {
    try {
      return { snap: await this.snapshot(jurisdiction) };
    } catch (e) {
      const last = this.snapshots.get(jurisdiction);
      if (!last || !isRedisConnectionError(e)) throw e;
      const now = Date.now();
      last.advance(now);
      return { snap: last, staleMs: now - last.verifiedAt };
    }
  }

  private async refresh(jurisdiction: string, meta: FeedMeta): Promise<Snapshot> {
    const pending = this.refreshing.get(jurisdiction);
    if (pending) {
      const s = await pending;
      if (s.ver >= meta.ver) return s;
    }
    const p = this.update(jurisdiction, meta).finally(() => this.refreshing.delete(jurisdiction));
    this.refreshing.set(jurisdiction, p);
    return p;
  }

  private async update(jurisdiction: string, meta: FeedMeta): Promise<Snapshot> {
    const current = this.snapshots.get(jurisdiction);
    if (current && current.ver >= meta.ver) return current;
    if (current && meta.ver - current.ver <= DELTA_MAX) {
      const changes = await this.store.changesAfter(jurisdiction, current.logId, DELTA_MAX * 4);
      if (current.apply(changes, meta, Date.now())) return current;
      this.log.warn({ jurisdiction, from: current.ver, to: meta.ver }, 'change log does not continue the feed snapshot; reloading');
    }
    const started = performance.now();
    const loaded = await this.store.load(jurisdiction);
    const snap = new Snapshot(jurisdiction, this.revokedKeepMs, loaded);
    this.snapshots.set(jurisdiction, snap);
    this.log.log({ jurisdiction, ver: snap.ver, active: snap.active.length, ms: Math.round(performance.now() - started) }, 'feed snapshot loaded');
    return snap;
  }

  async rendering(jurisdiction: string, variant: FeedVariant): Promise<Served> {
    const { snap, staleMs } = await this.current(jurisdiction);
    const served = (r: Rendering): Served => (staleMs === undefined ? r : { ...r, staleMs });
    const key = `${variant.format}|${variant.maxEntries ?? ''}|${variant.minScore ?? ''}|${variant.comments === false ? 0 : 1}`;
    let perJ = this.renderings.get(jurisdiction);
    if (!perJ) this.renderings.set(jurisdiction, (perJ = new Map()));
    const cached = perJ.get(key);
    if (cached && cached.snap === snap && cached.epoch === snap.epoch) return served(cached.r);
    const r = this.renderNow(snap, variant, cached?.r);
    perJ.delete(key); // re-insert: Map order is recency for the bound below
    perJ.set(key, { snap, epoch: snap.epoch, r });
    if (perJ.size > this.config.blocklist.feeds.variantsPerJurisdiction) perJ.delete(perJ.keys().next().value!);
    return served(r);
  }

  private renderNow(snap: Snapshot, v: FeedVariant, previous?: Rendering): Rendering {
    const max = Math.min(v.maxEntries ?? Infinity, this.config.blocklist.feeds.maxEntries);
    const minScore = v.minScore ?? 0;
    let active = snap.active;
    if (minScore > 0) {
      // Sorted by score descending: the entries below min_score are a suffix.
      let lo = 0;
      let hi = active.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (active[mid].d.score >= minScore) lo = mid + 1;
        else hi = mid;
      }
      active = active.slice(0, lo);
    }
    if (active.length > max) active = active.slice(0, max);
    const revoked = v.format === 'stix' ? snap.ended.filter((e) => e.d.score >= minScore) : [];
    const j = this.jurisdictions.get(snap.jurisdiction);
    const body = renderBytes(v.format, { jurisdiction: { id: j.id, name: j.name }, active, revoked, reasonMaxChars: this.config.blocklist.feeds.reasonMaxChars, comments: v.comments !== false });
    const hash = createHash('sha256').update(body).digest('base64url').slice(0, 32);
    // Same bytes as before (a change elsewhere in the jurisdiction did not touch this variant): keep its Last-Modified and gzip.
    if (previous?.etag === `"${hash}"`) return previous;
    const lastModified = snap.lastModified;
    let gz: Promise<Buffer> | null = null;
    return {
      body,
      etag: `"${hash}"`,
      etagGzip: `"${hash}-gz"`,
      lastModified,
      contentType: CONTENT_TYPES[v.format],
      count: active.length + revoked.length,
      gzipped: () => (gz ??= gzip(body, { level: 6 })),
    };
  }
}
