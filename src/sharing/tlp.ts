import type { Tlp } from '../blocklist/tlp';

/** TLP 2.0 from least to most restrictive. */
export const TLP_ORDER: readonly Tlp[] = ['CLEAR', 'GREEN', 'AMBER', 'AMBER+STRICT', 'RED'];

export const tlpRank = (t: Tlp): number => TLP_ORDER.indexOf(t);

/** The more restrictive of two levels: TLP only ever narrows as an indicator travels. */
export const stricterTlp = (a: Tlp, b: Tlp): Tlp => (tlpRank(a) >= tlpRank(b) ? a : b);

/** Whether an indicator at `tlp` may pass an edge (or a peer) that accepts at most `max`. */
export const tlpWithin = (tlp: Tlp, max: Tlp): boolean => tlpRank(tlp) <= tlpRank(max);

/**
 * Why an indicator at `tlp` held by `holder` may not travel further, or null when it may.
 * RED never leaves its origin; AMBER+STRICT reaches its direct recipients only (they may not forward it).
 */
export function tlpForbids(tlp: Tlp, holderIsOrigin: boolean): string | null {
  if (tlp === 'RED') return 'TLP:RED never leaves its origin';
  if (tlp === 'AMBER+STRICT' && !holderIsOrigin) return 'TLP:AMBER+STRICT may not be forwarded by its recipients';
  return null;
}
