import { z } from 'zod';
import { Tlp } from '../contracts/tlp';

export const Label = z.enum(['threat', 'benign']);
export type Label = z.infer<typeof Label>;

/** Which verdict made a label. */
export const VerdictKind = z.enum(['approval', 'unblock-false-positive', 'manual-block', 'allowlist', 'share-confirmed']);

export const ScopeFeatures = z.object({
  /** The model's inputs (names → values, mostly 0–1; one-hot `rule:<id>`, `country:<cc>`, `asn:<n>`). */
  features: z.record(z.string(), z.number()),
  /** The explained factors the fixed score showed at that moment. */
  factors: z.array(z.object({ factor: z.string(), points: z.number(), detail: z.string() })),
  score: z.number(),
});

export const Example = z.object({
  /** Stable per verdict (the event it came from): a re-delivered event stores nothing twice. */
  id: z.string(),
  jurisdiction: z.string(),
  value: z.string(),
  label: Label,
  /** The jurisdiction's own view of the IP, and the federation's (null: detection never saw it there). */
  local: ScopeFeatures.nullable(),
  federation: ScopeFeatures.nullable(),
  context: z.object({ rules: z.array(z.string()), country: z.string().nullable(), asn: z.number().nullable(), jurisdictions: z.array(z.string()) }),
  provenance: z.object({ kind: VerdictKind, event: z.string(), ref: z.string(), by: z.string(), at: z.string() }),
  tlp: Tlp,
});
export type Example = z.infer<typeof Example>;

export const ExamplesQuery = z.strictObject({
  jurisdiction: z.string().optional(),
  format: z.enum(['json', 'ndjson']).default('json'),
  limit: z.coerce.number().int().min(1).max(100_000).default(1000),
});
export const ExamplePage = z.object({ items: z.array(Example) });

export const Metrics = z.object({
  size: z.number().int(),
  threshold: z.number(),
  confusion: z.object({ tp: z.number().int(), fp: z.number().int(), tn: z.number().int(), fn: z.number().int() }),
  precision: z.number().nullable(),
  recall: z.number().nullable(),
  rocAuc: z.number().nullable(),
  brier: z.number().nullable(),
  reliability: z.array(z.object({ from: z.number(), to: z.number(), count: z.number().int(), meanPredicted: z.number(), observed: z.number() })),
});

export const ModelStatus = z.enum(['shadow', 'live', 'retired']);
export const ModelRecord = z.object({
  id: z.string(),
  jurisdiction: z.string(),
  /** `hub`: trained on the federation view of every example below the hub. */
  kind: z.enum(['jurisdiction', 'hub']),
  version: z.number().int(),
  status: ModelStatus,
  created: z.string(),
  trainedBy: z.string(),
  trainingSize: z.number().int(),
  labels: z.object({ threat: z.number().int(), benign: z.number().int() }),
  evaluation: Metrics,
  model: z.object({ features: z.array(z.string()), weights: z.array(z.number()), bias: z.number() }),
  promoted: z.object({ at: z.string(), by: z.string(), reason: z.string() }).nullable(),
});
export type ModelRecord = z.infer<typeof ModelRecord>;
export const ModelSummary = ModelRecord.omit({ model: true });
export const ModelList = z.object({ items: z.array(ModelSummary) });

export const TrainBody = z.strictObject({ jurisdiction: z.string().optional(), reason: z.string().trim().max(1000).optional() });
export const TrainAnswer = z.object({ trained: z.array(ModelSummary), skipped: z.array(z.object({ jurisdiction: z.string(), why: z.string() })) });
export const PromoteBody = z.strictObject({ reason: z.string().trim().min(1).max(1000) });
export const ListModelsQuery = z.strictObject({ jurisdiction: z.string().optional() });

export const Disagreement = z.object({
  ip: z.string(),
  jurisdiction: z.string(),
  model: z.string(),
  at: z.string(),
  score: z.number(),
  liveFlag: z.boolean(),
  p: z.number(),
  /** What the model would add once promoted. */
  wouldAdd: z.number(),
  contributions: z.array(z.object({ feature: z.string(), value: z.number(), contribution: z.number() })),
});
export type Disagreement = z.infer<typeof Disagreement>;
export const DisagreementList = z.object({ items: z.array(Disagreement) });
