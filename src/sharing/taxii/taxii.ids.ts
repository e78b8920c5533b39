import { GWANJE_STIX_NAMESPACE, uuidv5 } from '../../blocklist/feeds/stix';

/** Deterministic TAXII/STIX ids: a jurisdiction's collection, and the indicator of a share (the same on every render). */
export const collectionId = (jurisdiction: string) => uuidv5(GWANJE_STIX_NAMESPACE, `taxii-collection:${jurisdiction}`);
export const shareIndicatorId = (shareId: string) => `indicator--${uuidv5(GWANJE_STIX_NAMESPACE, `share:${shareId}`)}`;
