/**
 * Domain errors: what a service refuses, in its own words, with a stable `code`. The HTTP filter
 * (src/infra/http/problem.filter.ts) answers them as problem+json (status by kind, `code` as is);
 * the playbook executor never retries a permanent one (the same input fails the same way).
 * Services throw these, never HTTP errors.
 */

export interface DomainFieldError {
  path: string;
  message: string;
}

export type DomainErrorKind = 'invalid' | 'refused' | 'not_found' | 'forbidden' | 'conflict' | 'unavailable';

export abstract class DomainError extends Error {
  abstract readonly kind: DomainErrorKind;
  /** Stable, machine-readable; problem+json's `code`. */
  abstract readonly code: string;
  /** Whether trying again with the same input can succeed. */
  get permanent(): boolean {
    return this.kind !== 'unavailable';
  }
}

/** The input is malformed: a field that does not parse, an undeclared jurisdiction (HTTP 400). */
export class Invalid extends DomainError {
  readonly kind = 'invalid';
  override name = 'Invalid';
  constructor(
    message: string,
    readonly code = 'validation_failed',
    readonly fields?: DomainFieldError[],
  ) {
    super(message);
  }
}

/** Well-formed, but policy refuses it: a /0 allowlist, a TTL above the maximum (HTTP 422). */
export class Refused extends DomainError {
  readonly kind = 'refused';
  override name = 'Refused';
  constructor(
    message: string,
    readonly code = 'unprocessable',
  ) {
    super(message);
  }
}

/** It does not exist (or the caller may not know it does) (HTTP 404). */
export class NotFound extends DomainError {
  readonly kind = 'not_found';
  override name = 'NotFound';
  constructor(
    message: string,
    readonly code = 'not_found',
  ) {
    super(message);
  }
}

/** The caller may not do this (HTTP 403). */
export class Forbidden extends DomainError {
  readonly kind = 'forbidden';
  override name = 'Forbidden';
  constructor(
    message: string,
    readonly code = 'forbidden',
  ) {
    super(message);
  }
}

/** The state does not allow it: already decided, voted twice (HTTP 409). */
export class Conflict extends DomainError {
  readonly kind = 'conflict';
  override name = 'Conflict';
  constructor(
    message: string,
    readonly code = 'conflict',
  ) {
    super(message);
  }
}

/** Something it needs is down for now; trying again later may work (HTTP 503). */
export class Unavailable extends DomainError {
  readonly kind = 'unavailable';
  override name = 'Unavailable';
  constructor(
    message: string,
    readonly code = 'service_unavailable',
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}
