import { z } from 'zod';
import { FormatId } from '../contracts/alert';
import { UtcOffset } from '../contracts/zone';

export const IngestQuery = z.strictObject({
  /** A built-in format, `auto`, or a loaded LogFormat id: checked against the formats in force (GET /v1/formats). */
  format: FormatId.optional(),
  jurisdiction: z.string().optional(),
  timezone: UtcOffset.optional(),
});

export const RejectedLine = z.object({ line: z.number().int(), error: z.string() });

export const IngestResponse = z.object({
  batchId: z.string(),
  accepted: z.number().int(),
  skipped: z.number().int(),
  rejected: z.array(RejectedLine).describe('the first `ingest.rejectsPerBatch` rejected lines (100 by default), in body order'),
  rejectedCount: z.number().int().describe('every rejected line of the body, listed or not'),
  duplicate: z.boolean().describe('true when an Idempotency-Key replayed an earlier answer'),
});
export type IngestResponse = z.infer<typeof IngestResponse>;

export const RejectRecord = z.object({
  id: z.string(),
  at: z.string(),
  jurisdiction: z.string(),
  batchId: z.string(),
  source: z.string(),
  /** HTTP: the line (or array element) number in its body. Absent for syslog, whose batches are internal. */
  line: z.number().int().optional(),
  /** Syslog: the sender's address, the listener's name and when the message arrived. */
  sender: z.string().optional(),
  listener: z.string().optional(),
  received: z.string().optional(),
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
