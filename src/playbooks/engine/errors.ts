import { DomainError } from '../../contracts/errors';
import { ProblemError } from '../../infra/http/problem';

/** A step failure no retry can fix (bad target, 4xx from a webhook, sharing not available): the run fails at once. */
export class PermanentError extends Error {
  override name = 'PermanentError';
}

/** Client errors that may pass if tried again (the webhook policy retries the same ones). */
const TRANSIENT_4XX: ReadonlySet<number> = new Set([408, 425, 429]);

/**
 * Whether a step's error is final: the one place the retry policy asks. A domain error says so
 * itself (only `Unavailable` may pass later); an HTTP client error from a service not yet moved to
 * domain errors (an invalid share) says the same on every attempt too.
 */
export function isPermanent(err: unknown): boolean {
  if (err instanceof PermanentError) return true;
  if (err instanceof DomainError) return err.permanent;
  return err instanceof ProblemError && err.status >= 400 && err.status < 500 && !TRANSIENT_4XX.has(err.status);
}
