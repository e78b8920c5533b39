import { z } from 'zod';

/** One field-level error: where (path) and what. */
export interface FieldError {
  path: string;
  message: string;
  line?: number;
  column?: number;
}

/**
 * The stable, machine-readable `code` of a problem by its status, for clients that show their own
 * words (the dashboard translates it); `detail` stays English and may change. A problem may carry a
 * more specific code of its own (`extra.code`, e.g. federation refusals).
 */
export const PROBLEM_CODES: Readonly<Record<number, string>> = {
  400: 'validation_failed',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  406: 'not_acceptable',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'unprocessable',
  429: 'rate_limited',
  500: 'internal_error',
  503: 'service_unavailable',
};
export const problemCode = (status: number): string => PROBLEM_CODES[status] ?? (status >= 500 ? 'internal_error' : 'bad_request');

/**
 * A typed error the API answers as application/problem+json (RFC 9457).
 * `detail` says what was wrong and where; `errors` lists every field problem; `code` is stable.
 */
export class ProblemError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly extra: { errors?: FieldError[]; headers?: Record<string, string>; code?: string; [k: string]: unknown } = {},
  ) {
    super(detail);
    this.name = 'ProblemError';
  }

  get code(): string {
    return typeof this.extra.code === 'string' ? this.extra.code : problemCode(this.status);
  }
}

export const badRequest = (detail: string, errors?: FieldError[]) => new ProblemError(400, 'Bad Request', detail, { errors });
export const unauthorized = (detail: string) =>
  new ProblemError(401, 'Unauthorized', detail, { headers: { 'www-authenticate': 'Bearer realm="gwanje", Basic realm="gwanje"' } });
export const forbidden = (detail: string) => new ProblemError(403, 'Forbidden', detail);
export const notFound = (detail: string) => new ProblemError(404, 'Not Found', detail);
export const conflict = (detail: string) => new ProblemError(409, 'Conflict', detail);
export const unprocessable = (detail: string, errors?: FieldError[]) => new ProblemError(422, 'Unprocessable Content', detail, { errors });
export const tooManyRequests = (detail: string, retryAfterSeconds: number) =>
  new ProblemError(429, 'Too Many Requests', detail, { headers: { 'retry-after': String(retryAfterSeconds) } });
export const serviceUnavailable = (detail: string, retryAfterSeconds?: number) =>
  new ProblemError(503, 'Service Unavailable', detail, retryAfterSeconds === undefined ? {} : { headers: { 'retry-after': String(retryAfterSeconds) } });

export function zodFieldErrors(error: z.ZodError, where: string): FieldError[] {
  return error.issues.map((i) => ({ path: [where, ...i.path].join('.'), message: i.message }));
}

/** Validate request input with a zod schema; a failure is a 400 naming each bad field. */
export function validate<S extends z.ZodType>(schema: S, value: unknown, where: 'query' | 'body' | 'params'): z.output<S> {
  const parsed = schema.safeParse(value ?? {});
  if (parsed.success) return parsed.data;
  const errors = zodFieldErrors(parsed.error, where);
  throw badRequest(errors.map((e) => `${e.path}: ${e.message}`).join('; '), errors);
}
