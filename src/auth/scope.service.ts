import { Injectable } from '@nestjs/common';
import { Forbidden, Invalid } from '../contracts/errors';
import { JurisdictionsService } from '../jurisdictions/jurisdictions.service';
import type { Principal } from './auth.schemas';

/**
 * Jurisdiction scoping: a key acts in its own jurisdiction and those below it (a province
 * monitors its districts; a hub sees all). Naming any other jurisdiction is a 403.
 */
@Injectable()
export class ScopeService {
  constructor(private readonly jurisdictions: JurisdictionsService) {}

  visible(principal: Principal): Set<string> {
    return this.jurisdictions.subtree(principal.jurisdiction);
  }

  /** The jurisdiction a request acts in: the one it names, if the key may act there, else the key's own. */
  resolve(principal: Principal, requested?: string | null): string {
    if (!requested) return principal.jurisdiction;
    if (!this.jurisdictions.has(requested)) throw new Invalid(`jurisdiction: ${requested} is not declared`);
    if (!this.visible(principal).has(requested))
      throw new Forbidden(`a key of jurisdiction ${principal.jurisdiction} cannot act for ${requested}`);
    return requested;
  }

  /** Jurisdictions a read covers: the named one (checked) or everything the key sees. */
  readScope(principal: Principal, requested?: string | null): string[] {
    return requested ? [this.resolve(principal, requested)] : [...this.visible(principal)];
  }
}
