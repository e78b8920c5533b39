import { Inject, Injectable } from '@nestjs/common';
import type { Principal } from '../../auth/auth.schemas';
import { ScopeService } from '../../auth/scope.service';
import { stixPattern } from '../../blocklist/feeds/stix';
import { TLP_MARKING_DEFINITIONS, TLP_MARKING_IDS } from '../../contracts/tlp';
import { CONFIG } from '../../infra/config/config.module';
import type { GwanjeConfig } from '../../infra/config/config.schema';
import { NotFound } from '../../contracts/errors';
import { JurisdictionsService } from '../../jurisdictions/jurisdictions.service';
import type { StoredShare } from '../sharing.store';
import { SharingStore } from '../sharing.store';
import { collectionId, shareIndicatorId } from './taxii.ids';
import { API_ROOT, DEFAULT_LIMIT, formatMicros, MAX_LIMIT, parseMicros, STIX_MEDIA_TYPE, TAXII_MEDIA_TYPE, type Collection, type ObjectsQuery } from './taxii.schemas';

export { collectionId, shareIndicatorId };

/** Rows a filtered request reads at most before it answers (with more: true). */
const SCAN_MAX = 10_000;

/** An object's version: `modified`, or `created` for objects never versioned (marking definitions). */
const versionOf = (o: Record<string, unknown>) => (o.modified ?? o.created) as string;

/**
 * The TLP 2.0 marking definitions the collections' indicators reference (the pullable levels), as
 * objects of every collection so a consumer can resolve object_marking_refs without outside
 * knowledge. They are immutable, so each has one fixed date added (their publication, 2022-10-01,
 * a µs apart), before any indicator: a fresh client gets them first, a polling one never again.
 */
const TAXII_MARKINGS: ObjectsPage['objects'] = (['CLEAR', 'GREEN', 'AMBER'] as const).map((level, i) => ({
  object: TLP_MARKING_DEFINITIONS[level] as Record<string, unknown>,
  addedUs: parseMicros('2022-10-01T00:00:00.000000Z') + i,
}));

/** One STIX 2.1 Indicator per share: the version is `modified` (the revocation time once revoked). */
export function indicatorOfShare(s: StoredShare): Record<string, unknown> {
  const { share, revoked } = s;
  const modified = revoked && revoked.at > share.created ? revoked.at : share.created;
  return {
    type: 'indicator',
    spec_version: '2.1',
    id: shareIndicatorId(share.id),
    created: share.created,
    modified,
    name: `${share.value} shared by ${share.from}`,
    description: share.reason,
    indicator_types: ['malicious-activity'],
    pattern: stixPattern(share.value),
    pattern_type: 'stix',
    pattern_version: '2.1',
    valid_from: share.created,
    valid_until: share.expires > share.created ? share.expires : new Date(Date.parse(share.created) + 1000).toISOString(),
    confidence: Math.round(share.confidence),
    ...(revoked ? { revoked: true } : {}),
    object_marking_refs: [TLP_MARKING_IDS[share.tlp]],
    x_gwanje_share_id: share.id,
    x_gwanje_chain: share.chain,
    x_gwanje_score: Math.round(share.score),
    x_gwanje_evidence: share.evidence,
  };
}

export interface ObjectsPage {
  objects: Array<{ object: Record<string, unknown>; addedUs: number }>;
  more: boolean;
  next: string | undefined;
}

/**
 * TAXII 2.1 read side over the sharing store: one collection per jurisdiction holding the
 * indicators it shared (TLP:CLEAR, GREEN and AMBER only — what may be pulled by partners), each
 * object in its latest version, ordered by date added (µs, strictly increasing per collection).
 */
@Injectable()
export class TaxiiService {
  constructor(
    private readonly store: SharingStore,
    private readonly scope: ScopeService,
    private readonly jurisdictions: JurisdictionsService,
    @Inject(CONFIG) private readonly config: GwanjeConfig,
  ) {}

  discovery(base: string) {
    return {
      title: 'Gwanje TAXII 2.1',
      description: 'Indicators shared by the jurisdictions of this Gwanje deployment (one collection per jurisdiction).',
      default: `${base}/taxii2/${API_ROOT}/`,
      api_roots: [`${base}/taxii2/${API_ROOT}/`],
    };
  }

  apiRoot() {
    return {
      title: 'Gwanje shared indicators',
      description: 'One read-only collection per jurisdiction: the indicators it shared with others (TLP:CLEAR, GREEN, AMBER).',
      versions: [TAXII_MEDIA_TYPE],
      max_content_length: this.config.server.bodyLimitBytes,
    };
  }

  /** Collections a key may read: a feed key its own jurisdiction only, other keys their scope. */
  collections(who: Principal): Collection[] {
    const readable = who.role === 'feed' ? [who.jurisdiction] : [...this.scope.visible(who)];
    return readable.filter((j) => this.jurisdictions.has(j)).map((j) => this.describe(j));
  }

  /** A collection by id (or alias) the key may read; 404 otherwise (another jurisdiction's set is not disclosed). */
  collection(who: Principal, idOrAlias: string): Collection {
    const c = this.collections(who).find((x) => x.id === idOrAlias || x.alias === idOrAlias);
    if (!c) throw new NotFound(`collection ${idOrAlias} does not exist or this key may not read it`);
    return c;
  }

  private describe(j: string): Collection {
    const name = this.jurisdictions.get(j).name;
    return {
      id: collectionId(j),
      title: `${name ?? j}: shared indicators`,
      description: `Indicators ${j} shared with other jurisdictions (STIX 2.1 Indicator per share; revoked shares come back revoked).`,
      alias: j,
      can_read: true,
      can_write: false,
      media_types: [STIX_MEDIA_TYPE],
    };
  }

  /**
   * A page of a collection's objects (date added strictly after added_after / next), filtered by
   * match[] before paging: a page holds up to `limit` matching objects in date-added order, and
   * `more` says whether matching objects follow. match[id] looks the objects up directly; other
   * filters walk the collection (at most SCAN_MAX rows per request — past that the page ends early
   * with `more: true` and a `next` to continue from).
   */
  async objects(c: Collection, q: ObjectsQuery): Promise<ObjectsPage> {
    const limit = Math.min(q.limit ?? DEFAULT_LIMIT, MAX_LIMIT);
    const after = Math.max(q.added_after ? parseMicros(q.added_after) : 0, q.next ? Number(q.next) : 0);
    const list = (v?: string) => v?.split(',').map((s) => s.trim()).filter(Boolean);
    const ids = list(q['match[id]']);
    const types = list(q['match[type]']);
    const specs = list(q['match[spec_version]']);
    const versions = list(q['match[version]']);
    const keep = (object: Record<string, unknown>) => {
      if (ids && !ids.includes(object.id as string)) return false;
      if (types && !types.includes(object.type as string)) return false;
      if (specs && !specs.includes(object.spec_version as string)) return false;
      // One version is kept per object (the latest): first, last and all name it; a timestamp must match it.
      const version = parseMicros(versionOf(object));
      return !versions || versions.some((v) => v === 'last' || v === 'first' || v === 'all' || parseMicros(v) === version);
    };
    const wantIndicators = !types || types.includes('indicator');
    const markings = TAXII_MARKINGS.filter((m) => m.addedUs > after && keep(m.object));
    const matches: ObjectsPage['objects'] = [...markings];
    const indicators = async (rows: Array<{ id: string; addedUs: number }>) => {
      const shares = await this.store.getShares(rows.map((r) => r.id));
      rows.forEach((r, i) => {
        const s = shares[i];
        if (!s) return;
        const object = indicatorOfShare(s);
        if (keep(object)) matches.push({ object, addedUs: r.addedUs });
      });
    };
    let cut: number | null = null; // the scan stopped here with rows left unread
    if (ids) {
      if (wantIndicators) await indicators((await this.store.taxiiFind(c.alias!, ids.filter((id) => id.startsWith('indicator--')))).filter((r) => r.addedUs > after));
      matches.sort((a, b) => a.addedUs - b.addedUs);
    } else if (wantIndicators) {
      const batch = Math.max(limit + 1, 200);
      for (let from = after, scanned = 0; matches.length <= limit; ) {
        if (scanned >= SCAN_MAX) {
          cut = from;
          break;
        }
        const rows = await this.store.taxiiPage(c.alias!, from, batch);
        const read = rows.slice(0, batch);
        await indicators(read);
        scanned += read.length;
        if (rows.length <= batch) break;
        from = read[read.length - 1].addedUs;
      }
    }
    const page = matches.slice(0, limit);
    if (matches.length > limit) return { objects: page, more: true, next: String(page[page.length - 1].addedUs) };
    if (cut !== null) return { objects: page, more: true, next: String(cut) };
    return { objects: page, more: false, next: undefined };
  }

  static dateAdded(us: number): string {
    return formatMicros(us);
  }
}
