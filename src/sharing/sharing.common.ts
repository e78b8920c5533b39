import type { InboxState, Share } from './sharing.schemas';

/** Inbox states whose entry supports a block in its jurisdiction. */
export const SUPPORTING: ReadonlySet<InboxState['status']> = new Set(['blocked', 'already-blocked', 'approved']);
const MAX_REASON = 1000;

export const clip = (text: string, max = MAX_REASON) => (text.length > max ? text.slice(0, max - 1) + '…' : text);

/** What travels with an indicator on every hop, inbox or peer. */
export function indicatorOf(share: Share) {
  const { value, tlp, score, confidence, expires, reason, evidence } = share;
  return { value, tlp, score, confidence, expires, reason, evidence };
}
