import { UnrecoverableError, type JobsOptions } from 'bullmq';
import type { z } from 'zod';
import type { JobDefinition } from '../../contracts/jobs';


/** Bad payloads can never succeed: fail them at once instead of retrying. */
export function parsePayload<S extends z.ZodType>(def: JobDefinition<S>, data: unknown): z.output<S> {
  const parsed = def.payload.safeParse(data);
  if (parsed.success) return parsed.data;
  const where = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
  throw new UnrecoverableError(`invalid ${def.name} payload: ${where}`);
}

/** Per-queue retention: completed jobs are dropped quickly, failed ones kept for inspection. */
export const DEFAULT_JOB_OPTIONS: JobsOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { age: 3600, count: 1000 },
  removeOnFail: { age: 7 * 86_400, count: 10_000 },
};
