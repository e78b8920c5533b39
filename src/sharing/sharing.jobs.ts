import { z } from 'zod';
import { defineJob } from '../infra/queues/job';

/** Sharing's own queue: approval outcomes of review edges. */
export const SHARING_QUEUE = 'sharing';
/** Outbound federation deliveries (one job per message; each job delivers the peer's backlog up to its own seq, in order). */
export const FEDERATION_QUEUE = 'sharing-federation';

/**
 * The approvals service reports a review edge's outcome here (ApprovalRequest.callback). The
 * callback `data` ({ shareId, jurisdiction }) is passed through when the approvals service merges
 * it; otherwise the approval id is looked up.
 */
export const ReviewDecidedJob = defineJob({
  name: 'sharing.review-decided',
  queue: SHARING_QUEUE,
  payload: z.looseObject({
    approvalId: z.string().min(1),
    outcome: z.string().min(1),
    shareId: z.string().optional(),
    jurisdiction: z.string().optional(),
    by: z.unknown().optional(),
  }),
});

export const PeerDeliverJob = defineJob({
  name: 'sharing.peer-deliver',
  queue: FEDERATION_QUEUE,
  payload: z.object({ peer: z.string().min(1), epoch: z.string().min(1), seq: z.number().int().min(0) }),
});

/** Job ids may not contain ':'. */
export const peerDeliverJobId = (peer: string, epoch: string, seq: number) => `fed-${peer}-${epoch}-${seq}`.replace(/:/g, '_');
