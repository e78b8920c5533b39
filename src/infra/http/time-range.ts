import { z } from 'zod';

/** `since`/`until` query parameters shared by every list endpoint (ISO 8601, with an offset). */
export const TimeRangeQuery = {
  since: z.iso.datetime({ offset: true }).optional().describe('at or after this time (ISO 8601)'),
  until: z.iso.datetime({ offset: true }).optional().describe('before this time (ISO 8601)'),
};
export type TimeRange = { since?: string; until?: string };

/**
 * Keeps the items of a newest-first page that fall in the range. Once a page reaches an item
 * older than `since`, every later page is older still, so `next` is dropped.
 */
export function pageInRange<P extends { items: unknown[]; next?: string | null }>(page: P, timeOf: (item: P['items'][number]) => string, range: TimeRange): P {
  if (!range.since && !range.until) return page;
  const since = range.since ? Date.parse(range.since) : -Infinity;
  const until = range.until ? Date.parse(range.until) : Infinity;
  const times = page.items.map((i) => Date.parse(timeOf(i)));
  const items = page.items.filter((_, k) => times[k] >= since && times[k] < until);
  const exhausted = times.some((t) => t < since);
  return { ...page, items, ...('next' in page ? { next: exhausted ? null : page.next } : {}) };
}
