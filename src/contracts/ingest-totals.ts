/**
 * Deployment-wide ingest counters in Redis, which every API and worker process updates: a hash of
 * running totals (alerts received, stored, scored; syslog alerts shed) and the backlog, alerts
 * queued but not yet stored and scored. Shared here because alerts (store), detection (score) and
 * ingest (enqueue, read) each increment their own field in their own round trip.
 */
export const ingestTotalsKey = (prefix: string) => `${prefix}:ingest:totals`;
export const ingestBacklogKey = (prefix: string) => `${prefix}:ingest:backlog`;
export const INGEST_TOTAL_FIELDS = ['received', 'stored', 'scored', 'shed'] as const;
export type IngestTotalField = (typeof INGEST_TOTAL_FIELDS)[number];
