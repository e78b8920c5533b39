import { brier, evaluate, explain, reliability, rocAuc, sigmoid, train } from './logistic';

describe('logistic regression and its metrics', () => {
  it('ROC AUC on a known set (Mann–Whitney, ties count half)', () => {
    expect(rocAuc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBe(0.75); // the classic sklearn example
    expect(rocAuc([0.9, 0.8, 0.2, 0.1], [1, 1, 0, 0])).toBe(1);
    expect(rocAuc([0.5, 0.5], [1, 0])).toBe(0.5);
    expect(rocAuc([0.3, 0.6], [1, 1])).toBeNull();
  });

  it('Brier score and reliability bins', () => {
    expect(brier([1, 0], [1, 0])).toBe(0);
    expect(brier([0.5, 0.5], [1, 0])).toBe(0.25);
    const bins = reliability([0.05, 0.08, 0.92, 0.95, 0.97], [0, 1, 1, 1, 1]);
    expect(bins).toEqual([
      { from: 0, to: 0.1, count: 2, meanPredicted: 0.065, observed: 0.5 },
      { from: 0.9, to: 1, count: 3, meanPredicted: expect.closeTo(0.9467, 3), observed: 1 },
    ]);
  });

  it('confusion matrix, precision and recall at 0.5', () => {
    const e = evaluate([0.9, 0.7, 0.6, 0.2, 0.1], [1, 1, 0, 1, 0]);
    expect(e.confusion).toEqual({ tp: 2, fp: 1, tn: 1, fn: 1 });
    expect(e.precision).toBeCloseTo(2 / 3);
    expect(e.recall).toBeCloseTo(2 / 3);
  });

  it('learns a separable rule, with calibrated probabilities on a noisy one', () => {
    const rows: Array<Record<string, number>> = [];
    const y: number[] = [];
    // p(threat | x) = 0.8 for x = 1, 0.2 for x = 0: a well-fitted model says so.
    for (let i = 0; i < 100; i++) {
      rows.push({ x: i < 50 ? 1 : 0, noise: (i * 7) % 3 === 0 ? 1 : 0 });
      y.push(i < 50 ? (i % 5 === 0 ? 0 : 1) : i % 5 === 0 ? 1 : 0);
    }
    const m = train(['x', 'noise'], rows, y, { l2: 0, epochs: 5000, learningRate: 1 });
    expect(explain(m, { x: 1 }).p).toBeCloseTo(0.8, 1);
    expect(explain(m, { x: 0 }).p).toBeCloseTo(0.2, 1);
    const e = explain(m, { x: 1, noise: 1 });
    expect(e.contributions[0]).toMatchObject({ feature: 'x', value: 1 });
    expect(e.logit).toBeCloseTo(m.bias + e.contributions.reduce((s, c) => s + c.contribution, 0));
  });

  it('L2 shrinks coefficients', () => {
    const rows = [{ x: 1 }, { x: 1 }, { x: 0 }, { x: 0 }];
    const y = [1, 1, 0, 0];
    const free = train(['x'], rows, y, { l2: 0, epochs: 500, learningRate: 1 });
    const tied = train(['x'], rows, y, { l2: 1, epochs: 500, learningRate: 1 });
    expect(Math.abs(tied.weights[0])).toBeLessThan(Math.abs(free.weights[0]));
    expect(sigmoid(-800)).toBeGreaterThanOrEqual(0);
    expect(sigmoid(800)).toBe(1);
  });
});
