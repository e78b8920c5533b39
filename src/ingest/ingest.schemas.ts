import { z } from 'zod';
import { IngestFormat, NormalizedAlert } from '../normalize/alert.schema';
import { defineJob } from '../infra/queues/job';

export const INGEST_QUEUE = 'ingest';

/** A chunk of normalized alerts on its way to storage and detection. */
export const StoreChunkJob = defineJob({
  name: 'ingest.store-chunk',
  queue: INGEST_QUEUE,
  payload: z.object({
    batchId: z.string(),
    chunk: z.number().int().min(0),
    jurisdiction: z.string(),
    alerts: z.array(NormalizedAlert).min(1),
  }),
  // Chunks carry whole alerts: once stored they are dead weight, so completed jobs go at once.
  options: { removeOnComplete: { age: 60, count: 20 } },
});
export type StoreChunkPayload = z.infer<typeof StoreChunkJob.payload>;

export const IngestQuery = z.strictObject({
  format: IngestFormat.optional(),
  jurisdiction: z.string().optional(),
  timezone: z.string().regex(/^[+-]\d{2}:\d{2}$/, 'expected an offset like +09:00').optional(),
});

export const RejectedLine = z.object({ line: z.number().int(), error: z.string() });

export const IngestResponse = z.object({
  batchId: z.string(),
  accepted: z.number().int(),
  skipped: z.number().int(),
  rejected: z.array(RejectedLine),
  duplicate: z.boolean().describe('true when an Idempotency-Key replayed an earlier answer'),
});
export type IngestResponse = z.infer<typeof IngestResponse>;

export const RejectRecord = z.object({
  id: z.string(),
  at: z.string(),
  jurisdiction: z.string(),
  batchId: z.string(),
  source: z.string(),
  line: z.number().int(),
  format: z.string(),
  error: z.string(),
  raw: z.string(),
});
export type RejectRecord = z.infer<typeof RejectRecord>;

export const ListRejectsQuery = z.strictObject({
  jurisdiction: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().optional(),
});
