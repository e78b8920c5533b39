/** HTTP validators and content coding for feeds (RFC 9110 §13, §12.5.3). */

const stripWeak = (tag: string) => tag.trim().replace(/^W\//, '');

/** If-None-Match uses the weak comparison: W/"x" matches "x"; `*` matches anything. */
export function etagMatches(ifNoneMatch: string, candidates: string[]): boolean {
  const header = ifNoneMatch.trim();
  if (header === '*') return true;
  const wanted = new Set(candidates.map(stripWeak));
  return (header.match(/(?:W\/)?"[^"]*"/g) ?? []).some((t) => wanted.has(stripWeak(t)));
}

/**
 * True when the client's copy is current. If-None-Match wins over If-Modified-Since when both are
 * sent (RFC 9110 §13.2.2); HTTP dates have whole seconds.
 */
export function isNotModified(headers: Record<string, string | string[] | undefined>, etags: string[], lastModifiedMs: number): boolean {
  const inm = headers['if-none-match'];
  if (typeof inm === 'string') return etagMatches(inm, etags);
  const ims = headers['if-modified-since'];
  if (typeof ims !== 'string') return false;
  const since = Date.parse(ims);
  return !Number.isNaN(since) && Math.floor(lastModifiedMs / 1000) * 1000 <= since;
}

/** Whether Accept-Encoding admits gzip (gzip, x-gzip or *, with q > 0, and not refused by name). */
export function acceptsGzip(header: string | string[] | undefined): boolean {
  if (typeof header !== 'string' || !header) return false;
  let gzip: number | null = null;
  let star: number | null = null;
  for (const part of header.split(',')) {
    const [coding, ...params] = part.trim().toLowerCase().split(';');
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (coding === 'gzip' || coding === 'x-gzip') gzip = Math.max(gzip ?? 0, Number.isNaN(q) ? 0 : q);
    else if (coding === '*') star = Number.isNaN(q) ? 0 : q;
  }
  return gzip !== null ? gzip > 0 : (star ?? 0) > 0;
}
