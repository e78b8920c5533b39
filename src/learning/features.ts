import type { Scored } from '../detection/scoring/scorer';
import type { IpState } from '../detection/scoring/state';

const ramp = (x: number, hi: number) => Math.min(1, Math.log1p(Math.max(0, x)) / Math.log1p(hi));

/**
 * The model's inputs from one scope's state: counts on a log scale to 0–1, shares, the fixed
 * score, and one-hot rule firings, country and AS (so a partner's scanner AS can learn to weigh
 * less). The same function runs when a verdict is recorded and when the model scores.
 */
export function featuresOf(state: IpState, scored: Pick<Scored, 'score' | 'contributions'>, homeCountries: readonly string[]): Record<string, number> {
  const n = Math.max(1, state.n);
  const f: Record<string, number> = {
    score: scored.contributions.filter((c) => c.factor !== 'model').reduce((s, c) => s + c.points, 0) / 100,
    alerts: ramp(state.n, 1000),
    high_share: state.hi / n,
    allowed_share: state.allowed / n,
    targets: ramp(state.targets, 50),
    ports: ramp(state.ports, 1000),
    signatures: ramp(state.signatures, 50),
    jurisdictions: Math.min(1, (Object.keys(state.jurisdictions).length - 1) / 4),
    foreign: state.geo?.country && !homeCountries.includes(state.geo.country) ? 1 : 0,
  };
  for (const id of Object.keys(state.rules)) f[`rule:${id}`] = 1;
  if (state.geo?.country) f[`country:${state.geo.country}`] = 1;
  if (state.geo?.asn != null) f[`asn:${state.geo.asn}`] = 1;
  return f;
}
