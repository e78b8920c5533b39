import { z } from 'zod';

export const FormatLoadError = z.object({ file: z.string(), line: z.number().int(), column: z.number().int(), path: z.string(), message: z.string(), hint: z.string().optional() });

export const FormatView = z.object({
  id: z.string(),
  builtIn: z.boolean(),
  name: z.string(),
  vendor: z.string().nullable(),
  /** For loaded formats: the file and where its document starts, its documented source, whether `auto` can pick it. */
  file: z.string().nullable(),
  line: z.number().int().nullable(),
  source: z.string().nullable(),
  autoDetect: z.boolean(),
  samples: z.number().int(),
});

export const FormatList = z.object({
  items: z.array(FormatView),
  errors: z.array(FormatLoadError).describe('load errors of files under formats.dir (a file with errors keeps its previous version, if it had one)'),
});

export const SampleResultView = z.object({
  index: z.number().int(),
  ok: z.boolean(),
  outcome: z.enum(['alert', 'skip', 'reject']),
  fields: z.record(z.string(), z.union([z.string(), z.number(), z.null()])).optional(),
  reason: z.string().optional(),
  failures: z.array(z.object({ field: z.string(), expected: z.unknown(), got: z.unknown(), message: z.string() })),
});

export const ValidateFormatResponse = z.object({
  valid: z.boolean(),
  formats: z.array(z.object({ id: z.string(), line: z.number().int(), samples: z.array(SampleResultView) })),
  errors: z.array(FormatLoadError),
});

export const ValidateFormatQuery = z.strictObject({ file: z.string().max(200).optional() });
