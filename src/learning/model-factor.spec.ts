import { ScoreFactorHooks } from '../detection/scoring/factor-hooks';
import type { Scored } from '../detection/scoring/scorer';
import type { IpState } from '../detection/scoring/state';
import { GwanjeConfig } from '../infra/config/config.schema';
import { JurisdictionsService } from '../jurisdictions/jurisdictions.service';
import type { Disagreement, ModelRecord } from './learning.schemas';
import type { LearningService } from './learning.service';
import type { LearningStore } from './learning.store';
import { ModelFactor, modelPoints } from './model-factor';

const T0 = Date.parse('2026-12-01T00:00:00Z');
const H = 3_600_000;
const state: IpState = { first: T0, last: T0, n: 12, rateC: 1, rateT: T0, hi: 0, allowed: 12, blocked: 0, targets: 1, ports: 1, signatures: 1, addresses: 0, jurisdictions: { 'seoul-jongno': T0 }, rules: { 'brute-force': { at: T0, value: 12 } }, sigs: {}, flag: null, geo: null, sets: { dt: '', dp: '', ds: '', da: '' } };
const scored: Scored = { score: 40, raw: 40, scoredAt: T0, contributions: [{ factor: 'rule:brute-force', points: 40, detail: 'x' }] };
// A model that is sure of a brute-forcer: logit = -2 + 6·1 → p ≈ 0.98.
const record = (id: string, status: ModelRecord['status']): ModelRecord => ({
  id, jurisdiction: 'seoul-jongno', kind: 'jurisdiction', version: 1, status, created: '', trainedBy: 't', trainingSize: 10, labels: { threat: 5, benign: 5 },
  evaluation: { size: 0, threshold: 0.5, confusion: { tp: 0, fp: 0, tn: 0, fn: 0 }, precision: null, recall: null, rocAuc: null, brier: null, reliability: [] },
  model: { features: ['rule:brute-force'], weights: [6], bias: -2 }, promoted: null,
});

async function setup(slots: { live?: ModelRecord; shadow?: ModelRecord }) {
  const config = GwanjeConfig.parse({ jurisdictions: [{ id: 'klid', name: 'KLID' }, { id: 'seoul-jongno', name: 'Jongno', parent: 'klid' }], learning: { maxPoints: 20 } });
  const hooks = new ScoreFactorHooks();
  const recorded: Disagreement[] = [];
  const models = new Map([slots.live, slots.shadow].filter((m): m is ModelRecord => !!m).map((m) => [m.id, m]));
  const store: Pick<LearningStore, 'slots' | 'model' | 'addDisagreements'> = {
    slots: () => Promise.resolve({ 'seoul-jongno': { live: slots.live?.id, shadow: slots.shadow?.id } }),
    model: (id) => Promise.resolve(models.get(id) ?? null),
    addDisagreements: (rows) => Promise.resolve(void recorded.push(...rows)),
  };
  const learning: Pick<LearningService, 'onModelsChanged'> = { onModelsChanged: () => undefined };
  const f = new ModelFactor(config, hooks, store as LearningStore, learning as LearningService, new JurisdictionsService(config));
  await f.onModuleInit();
  return { f, hooks, recorded };
}

describe('the model factor', () => {
  it('in shadow: 0 points, what it would add and why in the detail, the disagreement recorded', async () => {
    const { f, hooks, recorded } = await setup({ shadow: record('seoul-jongno.v1', 'shadow') });
    const out = hooks.apply(scored, { ip: '45.155.205.7', scope: 'seoul-jongno', state, at: T0 });
    expect(out.score).toBe(40);
    const c = out.contributions.find((x) => x.factor === 'model')!;
    expect(c).toEqual({ factor: 'model', points: 0, detail: 'shadow model seoul-jongno.v1: p(threat) = 0.98; rule:brute-force +6.00 (would add +19.3; 0 while in shadow)' });
    await f.flush();
    // The live score (40) is under the threshold (60), the shadow model says threat: a disagreement to review.
    expect(recorded).toEqual([expect.objectContaining({ ip: '45.155.205.7', model: 'seoul-jongno.v1', liveFlag: false, wouldAdd: 19.3 })]);
    await f.onApplicationShutdown();
  });

  it('live: bounded points that decay like the other factors; the federation scope uses the one reporting jurisdiction', async () => {
    const { f, hooks } = await setup({ live: record('seoul-jongno.v1', 'live') });
    const out = hooks.apply(scored, { ip: '45.155.205.7', scope: '*', state, at: T0 });
    expect(out.contributions.find((x) => x.factor === 'model')).toMatchObject({ points: 19.3, detail: 'model seoul-jongno.v1: p(threat) = 0.98; rule:brute-force +6.00 (+19.3)' });
    expect(out.score).toBe(59.3);
    expect(hooks.apply(scored, { ip: 'x', scope: 'seoul-jongno', state, at: T0 + 6 * H }).contributions.at(-1)?.points).toBe(9.6); // half of 19.3 six hours (one half-life) later
    expect(hooks.apply(scored, { ip: 'x', scope: 'klid', state, at: T0 })).toBe(scored); // no model there
    expect(modelPoints(0.5, 20)).toBe(0);
    expect(modelPoints(0, 20)).toBe(-20);
    await f.onApplicationShutdown();
  });
});
