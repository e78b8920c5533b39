import { Injectable } from '@nestjs/common';
import type { Contribution, Scored } from './scorer';
import type { IpState } from './state';

/** What a factor hook sees of one scoring: the subject, its scope (`*` or a jurisdiction), its state and the score so far. */
export interface FactorContext {
  ip: string;
  scope: string;
  state: IpState;
  scored: Scored;
  /** The time scored at; points earned at `state.last` decay from then like the other factors. */
  at: number;
}

/** A factor contributed from above detection (the learned model): synchronous, it runs in the scoring loop. */
export interface ScoreFactorHook {
  name: string;
  contribute(ctx: FactorContext): Contribution | null;
}

const round1 = (x: number) => Math.round(x * 10) / 10;

/** A score with more contributions: the sum and the 0–100 cap recomputed as scoreState does. */
export function withContributions(scored: Scored, extra: Contribution[]): Scored {
  if (!extra.length) return scored;
  const contributions = [...scored.contributions, ...extra];
  const raw = Math.max(0, contributions.reduce((sum, c) => sum + c.points, 0));
  return { ...scored, raw, score: round1(Math.min(100, raw)), contributions };
}

/**
 * Factors registered by higher domains (learning registers its model): detection may not import
 * them, so they register here at start-up and detection applies whatever is registered. A hook
 * that throws contributes nothing (a broken model never stops scoring).
 */
@Injectable()
export class ScoreFactorHooks {
  private readonly hooks: ScoreFactorHook[] = [];

  register(hook: ScoreFactorHook): () => void {
    this.hooks.push(hook);
    return () => {
      const i = this.hooks.indexOf(hook);
      if (i >= 0) this.hooks.splice(i, 1);
    };
  }

  apply(scored: Scored, ctx: Omit<FactorContext, 'scored'>): Scored {
    if (!this.hooks.length) return scored;
    const extra: Contribution[] = [];
    for (const h of this.hooks) {
      try {
        const c = h.contribute({ ...ctx, scored });
        if (c) extra.push(c);
      } catch {
        /* a broken hook adds nothing */
      }
    }
    return withContributions(scored, extra);
  }
}
