import type { ShareRequest, ShareResult } from '../contracts/share';

/**
 * The contract between a playbook `share` step (or an analyst) and the sharing service
 * (src/sharing/): publish an indicator from one jurisdiction to others. Trust policies on the
 * receiving side decide what happens there.
 */
export const SHARING = Symbol('SHARING');

export type { ShareRequest, ShareResult };

export interface SharingPort {
  share(req: ShareRequest): Promise<ShareResult>;
  /**
   * A playbook run started by `shared.indicator` for `shareId` blocked with this decision (made it,
   * or found it already in force): revoking the share ends it unless something else supports it.
   */
  linkDecision?(shareId: string, decision: { id: string; value: string; jurisdiction: string; expires: string }): Promise<void>;
}
