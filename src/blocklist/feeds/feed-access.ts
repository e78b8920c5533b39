import { Injectable } from '@nestjs/common';
import type { Principal } from '../../auth/auth.schemas';
import { ScopeService } from '../../auth/scope.service';
import { forbidden, notFound } from '../../infra/http/problem';
import { JurisdictionsService } from '../../jurisdictions/jurisdictions.service';

/**
 * Who may read which jurisdiction's decisions as a feed: a `feed` key exactly its own jurisdiction
 * (a firewall of seoul-jongno never sees seoul-mapo's list); other keys what their scope shows
 * (their subtree; a hub's keys every jurisdiction).
 */
@Injectable()
export class FeedAccess {
  constructor(private readonly scope: ScopeService, private readonly jurisdictions: JurisdictionsService) {}

  assertCanRead(who: Principal, jurisdiction: string): void {
    if (!this.jurisdictions.has(jurisdiction)) throw notFound(`jurisdiction ${jurisdiction} is not declared`);
    const ok = who.role === 'feed' ? who.jurisdiction === jurisdiction : this.scope.visible(who).has(jurisdiction);
    if (!ok) throw forbidden(`a ${who.role} key of ${who.jurisdiction} cannot read the feed of ${jurisdiction}`);
  }

  /** Jurisdictions a stream (SSE) covers: the named one (checked), else the key's own for feed keys and its whole scope for others. */
  readable(who: Principal, requested?: string | null): string[] {
    if (requested) {
      this.assertCanRead(who, requested);
      return [requested];
    }
    return who.role === 'feed' ? [who.jurisdiction] : [...this.scope.visible(who)];
  }
}
