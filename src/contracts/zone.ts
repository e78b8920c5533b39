import { z } from 'zod';

/** Offset text like "+09:00", "+0900", "-08", "Z", "UTC+5:30" → minutes east of UTC, or null. */
export function parseOffset(text: string | null | undefined): number | null {
  if (text == null) return null;
  const t = text.trim().replace(/^(UTC|GMT)/i, '');
  if (t === '' || t.toUpperCase() === 'Z') return 0;
  const m = /^([+-])(\d{1,2})(?::?(\d{2}))?$/.exec(t);
  if (!m) return null;
  const h = Number(m[2]);
  const min = Number(m[3] ?? 0);
  if (h > 14 || min > 59) return null;
  return (m[1] === '-' ? -1 : 1) * (h * 60 + min);
}

/**
 * A configured zone (`?timezone=`, sender and jurisdiction `timezone`, `ingest.defaultTimezone`):
 * "+09:00" form, hours at most 14, minutes below 60. Checked where it enters, because the readers
 * fall back to KST when an offset does not parse.
 */
export const UtcOffset = z
  .string()
  .regex(/^[+-]\d{2}:\d{2}$/, 'expected an offset like +09:00')
  .refine((t) => parseOffset(t) !== null, 'offset out of range: hours at most 14, minutes below 60');
