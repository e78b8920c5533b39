/** Small helpers for parsers of JSON formats. */
export function tryJson(line: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(line) };
  } catch (e) {
    return { ok: false, error: `invalid JSON: ${(e as Error).message}` };
  }
}

export const asRecord = (v: unknown): Record<string, any> | null =>
  v != null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, any>) : null;

/** A non-empty string, or a number shown as text; anything else is null. */
export function str(v: unknown): string | null {
  if (typeof v === 'string') return v.length ? v : null;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return null;
}
