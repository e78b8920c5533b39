import { Inject, Injectable } from '@nestjs/common';
import type { Principal } from '../../auth/auth.schemas';
import { ScopeService } from '../../auth/scope.service';
import { GWANJE_STIX_NAMESPACE, stixPattern, uuidv5 } from '../../blocklist/feeds/stix';
import { TLP_MARKING_IDS } from '../../blocklist/tlp';
import { CONFIG } from '../../infra/config/config.module';
import type { GwanjeConfig } from '../../infra/config/config.schema';
import { notFound } from '../../infra/http/problem';
import { JurisdictionsService } from '../../jurisdictions/jurisdictions.service';
import type { StoredShare } from '../sharing.store';
import { SharingStore } from '../sharing.store';
import { API_ROOT, DEFAULT_LIMIT, formatMicros, MAX_LIMIT, parseMicros, STIX_MEDIA_TYPE, TAXII_MEDIA_TYPE, type Collection, type ObjectsQuery } from './taxii.schemas';

export const collectionId = (jurisdiction: string) => uuidv5(GWANJE_STIX_NAMESPACE, `taxii-collection:${jurisdiction}`);
export const shareIndicatorId = (shareId: string) => `indicator--${uuidv5(GWANJE_STIX_NAMESPACE, `share:${shareId}`)}`;

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
    if (!c) throw notFound(`collection ${idOrAlias} does not exist or this key may not read it`);
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

  /** A page of a collection's objects (date added strictly after added_after / next), with the match[] filters applied. */
  async objects(c: Collection, q: ObjectsQuery): Promise<ObjectsPage> {
    const limit = Math.min(q.limit ?? DEFAULT_LIMIT, MAX_LIMIT);
    const after = Math.max(q.added_after ? parseMicros(q.added_after) : 0, q.next ? Number(q.next) : 0);
    const rows = await this.store.taxiiPage(c.alias!, after, limit);
    const more = rows.length > limit;
    const page = rows.slice(0, limit);
    const shares = await this.store.getShares(page.map((r) => r.id));
    const ids = q['match[id]']?.split(',').map((s) => s.trim());
    const types = q['match[type]']?.split(',').map((s) => s.trim());
    const specs = q['match[spec_version]']?.split(',').map((s) => s.trim());
    const versions = q['match[version]']?.split(',').map((s) => s.trim());
    const objects: ObjectsPage['objects'] = [];
    page.forEach((r, i) => {
      const s = shares[i];
      if (!s) return;
      const object = indicatorOfShare(s);
      if (ids && !ids.includes(object.id as string)) return;
      if (types && !types.includes('indicator')) return;
      if (specs && !specs.includes('2.1')) return;
      // One version is kept per object (the latest): first, last and all name it; a timestamp must match it.
      if (versions && !versions.some((v) => v === 'last' || v === 'first' || v === 'all' || parseMicros(v) === parseMicros(object.modified as string))) return;
      objects.push({ object, addedUs: r.addedUs });
    });
    const last = page[page.length - 1];
    return { objects, more, next: more && last ? String(last.addedUs) : undefined };
  }

  static dateAdded(us: number): string {
    return formatMicros(us);
  }
}
