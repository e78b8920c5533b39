import { z } from 'zod';
import { defineJob } from '../infra/queues/job';
import { PLAYBOOKS_QUEUE } from './triggers';

/** Advance a run (its id is also the job id of its first delivery). */
export const RunJob = defineJob({ name: 'playbooks.run', queue: PLAYBOOKS_QUEUE, payload: z.object({ runId: z.string() }) });

/** A pending approval's deadline (a delayed job: it survives restarts, unlike a timer). */
export const ApprovalTimeoutJob = defineJob({ name: 'approvals.timeout', queue: PLAYBOOKS_QUEUE, payload: z.object({ approvalId: z.string() }) });

const Outcome = { approvalId: z.string(), outcome: z.enum(['approved', 'rejected', 'timed-out']), approved: z.boolean() };

/** An approve step's approval was decided: resume (or end) the run. */
export const ApprovalDecidedJob = defineJob({ name: 'playbooks.approval-decided', queue: PLAYBOOKS_QUEUE, payload: z.object({ runId: z.string(), stepId: z.string(), ...Outcome }) });

/** A circuit breaker's approval was decided: approved closes it. */
export const BreakerDecidedJob = defineJob({ name: 'playbooks.breaker-decided', queue: PLAYBOOKS_QUEUE, payload: z.object({ playbookId: z.string(), ...Outcome }) });

/** Job ids may not contain ':'. */
export const jobId = (...parts: string[]) => parts.join('-').replace(/:/g, '_');
