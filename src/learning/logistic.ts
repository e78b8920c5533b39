/**
 * L2-regularised logistic regression trained by full-batch gradient descent, and the metrics a
 * model version is judged by. Written here rather than taken from npm: the packages that exist
 * (ml-logistic-regression and kin) are one-vs-all wrappers over ml-matrix without L2, without
 * probabilities we can check and without recent releases; for tens-to-thousands of examples
 * with a few dozen features, forty lines of plain arithmetic are exact, fast and explainable
 * (contribution of a feature = coefficient × value, on the log-odds scale).
 */

export interface LogisticModel {
  /** Feature names, in the order of `weights`. */
  features: string[];
  weights: number[];
  bias: number;
}

export interface TrainOptions {
  l2: number;
  epochs: number;
  learningRate: number;
}

export const sigmoid = (z: number) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

/** Feature vector in the model's order (missing features are 0). */
export const vectorize = (features: readonly string[], x: Record<string, number>) => features.map((f) => x[f] ?? 0);

/** Minimise mean log-loss + (l2/2)·‖w‖² (the bias is not penalised). Deterministic: starts at 0. */
export function train(features: string[], rows: Array<Record<string, number>>, labels: number[], opts: TrainOptions): LogisticModel {
  const X = rows.map((r) => vectorize(features, r));
  const n = X.length;
  const d = features.length;
  const w = new Array<number>(d).fill(0);
  let b = 0;
  for (let epoch = 0; epoch < opts.epochs; epoch++) {
    const gw = new Array<number>(d).fill(0);
    let gb = 0;
    for (let i = 0; i < n; i++) {
      let z = b;
      for (let j = 0; j < d; j++) z += w[j] * X[i][j];
      const err = sigmoid(z) - labels[i];
      for (let j = 0; j < d; j++) gw[j] += err * X[i][j];
      gb += err;
    }
    for (let j = 0; j < d; j++) w[j] -= opts.learningRate * (gw[j] / n + opts.l2 * w[j]);
    b -= opts.learningRate * (gb / n);
  }
  return { features, weights: w, bias: b };
}

/** Probability of `threat` and each feature's contribution (coefficient × value, log-odds), largest first. */
export function explain(m: LogisticModel, x: Record<string, number>): { p: number; logit: number; contributions: Array<{ feature: string; value: number; contribution: number }> } {
  const v = vectorize(m.features, x);
  let logit = m.bias;
  const contributions = m.features.map((feature, j) => {
    logit += m.weights[j] * v[j];
    return { feature, value: v[j], contribution: m.weights[j] * v[j] };
  });
  contributions.sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution));
  return { p: sigmoid(logit), logit, contributions: contributions.filter((c) => c.contribution !== 0) };
}

/** ROC AUC as the Mann–Whitney statistic: the chance a random positive outranks a random negative (ties count ½). Null without both classes. */
export function rocAuc(scores: number[], labels: number[]): number | null {
  const idx = scores.map((s, i) => i).sort((a, b) => scores[a] - scores[b]);
  const ranks = new Array<number>(scores.length);
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && scores[idx[j + 1]] === scores[idx[i]]) j++;
    for (let k = i; k <= j; k++) ranks[idx[k]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  const pos = labels.filter((l) => l === 1).length;
  const neg = labels.length - pos;
  if (!pos || !neg) return null;
  const sumPos = labels.reduce((s, l, i) => (l === 1 ? s + ranks[i] : s), 0);
  return (sumPos - (pos * (pos + 1)) / 2) / (pos * neg);
}

/** Mean squared error of the probabilities (0 perfect; 0.25 is a coin). */
export const brier = (p: number[], y: number[]) => (p.length ? p.reduce((s, pi, i) => s + (pi - y[i]) ** 2, 0) / p.length : null);

/** Reliability: per probability bin, how many predictions, their mean probability and the observed share of threats. */
export function reliability(p: number[], y: number[], bins = 10): Array<{ from: number; to: number; count: number; meanPredicted: number; observed: number }> {
  const out = Array.from({ length: bins }, (_, i) => ({ from: i / bins, to: (i + 1) / bins, count: 0, sumP: 0, sumY: 0 }));
  p.forEach((pi, i) => {
    const b = out[Math.min(bins - 1, Math.floor(pi * bins))];
    b.count++;
    b.sumP += pi;
    b.sumY += y[i];
  });
  return out.filter((b) => b.count).map((b) => ({ from: b.from, to: b.to, count: b.count, meanPredicted: b.sumP / b.count, observed: b.sumY / b.count }));
}

export interface Evaluation {
  size: number;
  threshold: number;
  confusion: { tp: number; fp: number; tn: number; fn: number };
  precision: number | null;
  recall: number | null;
  rocAuc: number | null;
  brier: number | null;
  reliability: ReturnType<typeof reliability>;
}

export function evaluate(p: number[], y: number[], threshold = 0.5): Evaluation {
  const c = { tp: 0, fp: 0, tn: 0, fn: 0 };
  p.forEach((pi, i) => {
    const predicted = pi >= threshold;
    if (predicted && y[i] === 1) c.tp++;
    else if (predicted) c.fp++;
    else if (y[i] === 1) c.fn++;
    else c.tn++;
  });
  return {
    size: p.length,
    threshold,
    confusion: c,
    precision: c.tp + c.fp ? c.tp / (c.tp + c.fp) : null,
    recall: c.tp + c.fn ? c.tp / (c.tp + c.fn) : null,
    rocAuc: rocAuc(p, y),
    brier: brier(p, y),
    reliability: reliability(p, y),
  };
}
