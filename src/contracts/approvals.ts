import { z } from 'zod';

/**
 * What an approval decides, by kind: the requester names its subject when it asks, and hears the
 * outcome as the `approval.decided` event with the same subject (src/contracts/events.ts).
 */
export const ApprovalKind = z.enum(['playbook-step', 'share-review', 'circuit-breaker']);
export type ApprovalKind = z.infer<typeof ApprovalKind>;

export const ApprovalTarget = z.discriminatedUnion('kind', [
  /** A playbook run waits at an `approve` step. */
  z.object({ kind: z.literal('playbook-step'), subject: z.object({ runId: z.string().min(1), stepId: z.string().min(1) }) }),
  /** A share arrived over a `review` trust edge and waits in the receiver's inbox. */
  z.object({ kind: z.literal('share-review'), subject: z.object({ shareId: z.string().min(1), jurisdiction: z.string().min(1) }) }),
  /** A playbook's blast-radius circuit breaker tripped. */
  z.object({ kind: z.literal('circuit-breaker'), subject: z.object({ playbookId: z.string().min(1) }) }),
]);
export type ApprovalTarget = z.infer<typeof ApprovalTarget>;

export const ApprovalOutcome = z.enum(['approved', 'rejected', 'timed-out']);
export type ApprovalOutcome = z.infer<typeof ApprovalOutcome>;

/** The `approval.decided` event: decided by votes or timed out. */
export type ApprovalDecided = ApprovalTarget & {
  approvalId: string;
  /** Jurisdiction whose officers decided. */
  jurisdiction: string;
  outcome: ApprovalOutcome;
  /** Whether the change may go ahead (approved, or timed out with on_timeout: approve). */
  approved: boolean;
};
