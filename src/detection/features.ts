import { Inject, Injectable } from '@nestjs/common';
import { CONFIG } from '../infra/config/config.module';
import type { GwanjeConfig } from '../infra/config/config.schema';
import { DetectionStore } from './detection.store';
import { DetectionRulesService } from './rules/rules.service';
import { scoreState, type Scored } from './scoring/scorer';
import { parseState, type IpState } from './scoring/state';

/** What detection knows of an IP in one scope at a moment: its state and the score it makes (hooks not applied). */
export interface ScopeSnapshot {
  state: IpState;
  scored: Scored;
}

/** An IP as the scorer sees it now, in one jurisdiction and federation-wide. */
export interface FeatureSnapshot {
  ip: string;
  jurisdiction: ScopeSnapshot | null;
  federation: ScopeSnapshot | null;
  at: number;
}

/**
 * The read function other domains use to see what the scorer saw (learning records it with each
 * verdict). Read-only; recurrence is left out (it is the block-list's own count).
 */
@Injectable()
export class DetectionFeatures {
  constructor(
    @Inject(CONFIG) private readonly config: GwanjeConfig,
    private readonly store: DetectionStore,
    private readonly rules: DetectionRulesService,
  ) {}

  async snapshot(ip: string, jurisdiction: string, at = Date.now()): Promise<FeatureSnapshot> {
    const [hashes, baselines] = await Promise.all([this.store.states(ip, [jurisdiction, '*']), this.store.baselines([jurisdiction, '*'])]);
    const one = (scope: string): ScopeSnapshot | null => {
      const h = hashes.get(scope);
      const state = h ? parseState(h) : null;
      if (!state) return null;
      const scored = scoreState({ state, rules: this.rules.current().byId, config: this.config.detection, baseline: baselines.get(scope) ?? null, recurrence: null, baselineName: scope === '*' ? 'federation' : 'jurisdiction', at, subject: ip });
      return { state, scored };
    };
    return { ip, jurisdiction: one(jurisdiction), federation: one('*'), at };
  }
}
