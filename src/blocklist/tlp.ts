import { z } from 'zod';

/** Traffic Light Protocol 2.0 levels. */
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
