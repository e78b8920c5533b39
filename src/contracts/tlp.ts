import { z } from 'zod';

/** Traffic Light Protocol 2.0 levels, least to most restrictive. */
export const Tlp = z.enum(['CLEAR', 'GREEN', 'AMBER', 'AMBER+STRICT', 'RED']);
export type Tlp = z.infer<typeof Tlp>;

/** STIX 2.1 marking-definition ids of TLP 2.0 (OASIS), as consumers (OpenCTI, MISP) know them. */
export const TLP_MARKING_IDS: Record<Tlp, string> = {
  CLEAR: 'marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487',
  GREEN: 'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb',
  AMBER: 'marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421',
  'AMBER+STRICT': 'marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003',
  RED: 'marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1',
};

/** The STIX 2.1 TLP 2.0 extension (OASIS) the marking definitions below use. */
export const TLP2_EXTENSION_ID = 'extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d';

/**
 * The OASIS TLP 2.0 marking-definition objects, as published (marking definitions are never
 * versioned: no `modified`). Bundles carry the ones they reference so they are self-contained.
 */
export const TLP_MARKING_DEFINITIONS: Record<Tlp, object> = Object.fromEntries(
  Tlp.options.map((level) => [
    level,
    {
      type: 'marking-definition',
      spec_version: '2.1',
      id: TLP_MARKING_IDS[level],
      created: '2022-10-01T00:00:00.000Z',
      name: `TLP:${level}`,
      extensions: { [TLP2_EXTENSION_ID]: { extension_type: 'property-extension', tlp_2_0: level.toLowerCase() } },
    },
  ]),
) as Record<Tlp, object>;

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
