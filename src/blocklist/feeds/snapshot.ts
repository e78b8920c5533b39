import type { ChangeEntry, Decision } from '../decisions.schemas';
import type { FeedMeta, Loaded } from '../decisions.store';

/** A decision as feeds hold it: parsed times, and each format's text rendered once. */
export interface FeedEntry {
  d: Decision;
  expiresMs: number;
  /** 0 while active. */
  endedMs: number;
  /** Each format's bytes for this entry (with its line end where the format has one). */
  memo: Partial<Record<'edl' | 'edlBare' | 'json' | 'csv' | 'stix', Buffer>>;
}

const entryOf = (d: Decision): FeedEntry => ({ d, expiresMs: Date.parse(d.expires), endedMs: d.ended ? Date.parse(d.ended.at) : 0, memo: {} });

/** Feed order: highest score first (EDL max_entries keeps the top), then value, then id — the same in every process. */
export function compareEntries(a: FeedEntry, b: FeedEntry): number {
  return b.d.score - a.d.score || (a.d.value < b.d.value ? -1 : a.d.value > b.d.value ? 1 : 0) || Number(a.d.id) - Number(b.d.id);
}

function insertSorted(list: FeedEntry[], e: FeedEntry) {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareEntries(list[mid], e) < 0) lo = mid + 1;
    else hi = mid;
  }
  list.splice(lo, 0, e);
}

function removeSorted(list: FeedEntry[], d: Decision): FeedEntry | null {
  const probe = entryOf(d);
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareEntries(list[mid], probe) < 0) lo = mid + 1;
    else hi = mid;
  }
  if (lo < list.length && list[lo].d.id === d.id) return list.splice(lo, 1)[0];
  return null;
}

/**
 * What a jurisdiction's feeds show at a given instant: active decisions (and recently ended ones,
 * for STIX `revoked`), kept current by the change log and by the clock. Content is a function of
 * the decisions and the instant only, so every process renders the same bytes (same ETag).
 */
export class Snapshot {
  /** Jurisdiction change counter this state reflects. */
  ver: number;
  /** Change-log position; deltas continue after it. */
  logId: string;
  /** Time of the last content change (ms): writes and expiry instants. */
  lastModified: number;
  /** Bumped on every content change; renderings of an older epoch are stale. */
  epoch = 0;
  /** When Redis last confirmed this state current (ms): feeds served from it while Redis is down say how long ago. */
  verifiedAt: number;
  active: FeedEntry[];
  ended: FeedEntry[];
  readonly hosts = new Map<string, FeedEntry>();
  readonly ranges = new Set<FeedEntry>();
  /** Earliest instant content changes by itself (an expiry, a revoked entry leaving the window). */
  private nextChange = Infinity;

  constructor(
    readonly jurisdiction: string,
    private readonly revokedKeepMs: number,
    loaded: Pick<Loaded, 'meta' | 'logId' | 'active' | 'ended' | 'unsweptExpiry'>,
    now = Date.now(),
  ) {
    this.ver = loaded.meta.ver;
    this.logId = loaded.logId;
    this.verifiedAt = now;
    this.active = loaded.active.map(entryOf).sort(compareEntries);
    this.ended = loaded.ended.map(entryOf).sort(compareEntries);
    for (const e of this.active) this.index(e);
    this.lastModified = Math.min(now, Math.max(loaded.meta.mtime, loaded.meta.lastExpiry, loaded.unsweptExpiry));
    this.recomputeNextChange();
    this.advance(now);
  }

  private dropAt = (e: FeedEntry) => Math.min(e.endedMs + this.revokedKeepMs, e.expiresMs);

  private index(e: FeedEntry) {
    if (e.d.scope === 'ip') this.hosts.set(e.d.value, e);
    else this.ranges.add(e);
  }

  private unindex(e: FeedEntry) {
    if (this.hosts.get(e.d.value) === e) this.hosts.delete(e.d.value);
    this.ranges.delete(e);
  }

  private recomputeNextChange() {
    let next = Infinity;
    for (const e of this.active) if (e.expiresMs < next) next = e.expiresMs;
    for (const e of this.ended) if (this.dropAt(e) < next) next = this.dropAt(e);
    this.nextChange = next;
  }

  /** Drop what expired (or left the revoked window) by `now`; Last-Modified becomes that instant. */
  advance(now: number): boolean {
    if (now < this.nextChange) return false;
    let passed = 0;
    this.active = this.active.filter((e) => {
      if (e.expiresMs > now) return true;
      passed = Math.max(passed, e.expiresMs);
      this.unindex(e);
      return false;
    });
    this.ended = this.ended.filter((e) => {
      if (this.dropAt(e) > now) return true;
      passed = Math.max(passed, this.dropAt(e));
      return false;
    });
    this.lastModified = Math.max(this.lastModified, passed);
    this.recomputeNextChange();
    this.epoch++;
    return true;
  }

  /**
   * Apply change-log entries (oldest first). False when they do not continue this state exactly
   * (a gap: trimmed log, missed versions) — the caller reloads instead.
   */
  apply(changes: ChangeEntry[], meta: FeedMeta, now: number): boolean {
    let ver = this.ver;
    let changed = false;
    for (const c of changes) {
      this.logId = c.sid;
      if (c.ver === null) continue; // expiries: the clock already handles them
      if (c.ver <= ver) continue;
      if (c.ver !== ver + 1 || !c.decision) return false;
      ver = c.ver;
      changed = true;
      if (c.kind === 'created') {
        const e = entryOf(c.decision);
        if (e.expiresMs > now && !e.endedMs) {
          insertSorted(this.active, e);
          this.index(e);
          if (e.expiresMs < this.nextChange) this.nextChange = e.expiresMs;
        }
      } else if (c.kind === 'ended') {
        const gone = removeSorted(this.active, c.decision);
        if (gone) this.unindex(gone);
        const e = entryOf(c.decision);
        if (this.dropAt(e) > now) insertSorted(this.ended, e);
        this.recomputeNextChange();
      }
    }
    if (ver < meta.ver) return false;
    this.ver = ver;
    if (changed) {
      this.lastModified = Math.min(now, Math.max(this.lastModified, meta.mtime));
      this.epoch++;
    }
    this.advance(now);
    return true;
  }
}
