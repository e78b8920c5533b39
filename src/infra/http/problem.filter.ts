import { ArgumentsHost, Catch, HttpException, Logger, Optional, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isRedisConnectionError, RedisHealth, RETRY_AFTER_SECONDS } from '../redis/redis.health';
import { DomainError, type DomainErrorKind } from '../../contracts/errors';
import { ProblemError, serviceUnavailable } from './problem';

const FASTIFY_STATUS_DETAIL: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'request body is larger than the configured limit (server.bodyLimitBytes)',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported Content-Type',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'body is empty but Content-Type is application/json',
};

/** Every error leaves the API as application/problem+json (RFC 9457). */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly log = new Logger('http');

  constructor(@Optional() private readonly redis?: RedisHealth) {}

  catch(error: unknown, host: ArgumentsHost) {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    let problem = toProblem(error);
    // While Redis is known to be down, an unexpected error is the outage seen from elsewhere (a
    // pipeline reply that never came): 503, and not one log line per request (RedisHealth logged it).
    const outage = isRedisConnectionError(error) || (problem.status === 500 && this.redis?.up === false);
    if (outage) {
      problem = storeUnavailable();
      this.log.debug({ err: error, url: request.url }, 'request failed: Redis is unreachable');
    } else if (problem.status >= 500) this.log.error({ err: error, url: request.url }, 'request failed');
    const { headers, ...extra } = problem.extra;
    for (const [k, v] of Object.entries(headers ?? {})) reply.header(k, v);
    reply
      .status(problem.status)
      .type('application/problem+json')
      .send({ type: 'about:blank', title: problem.title, status: problem.status, code: problem.code, detail: problem.detail, instance: request.url.split('?')[0], ...extra });
  }
}

const storeUnavailable = () => serviceUnavailable('the data store (Redis) is unreachable; retry after the Retry-After delay', RETRY_AFTER_SECONDS);

const DOMAIN_STATUS: Record<DomainErrorKind, [number, string]> = {
  invalid: [400, 'Bad Request'],
  refused: [422, 'Unprocessable Content'],
  not_found: [404, 'Not Found'],
  forbidden: [403, 'Forbidden'],
  conflict: [409, 'Conflict'],
  unavailable: [503, 'Service Unavailable'],
};

/** A domain error as problem+json: the status by its kind, its own code and field errors. */
export function domainProblem(error: DomainError): ProblemError {
  const [status, title] = DOMAIN_STATUS[error.kind];
  const extra: ProblemError['extra'] = { code: error.code };
  if ('fields' in error && Array.isArray(error.fields)) extra.errors = error.fields;
  if ('retryAfterSeconds' in error && typeof error.retryAfterSeconds === 'number') extra.headers = { 'retry-after': String(error.retryAfterSeconds) };
  return new ProblemError(status, title, error.message, extra);
}

export function toProblem(error: unknown): ProblemError {
  if (error instanceof ProblemError) return error;
  if (error instanceof DomainError) return domainProblem(error);
  if (isRedisConnectionError(error)) return storeUnavailable();
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const body = error.getResponse();
    const message: unknown = typeof body === 'object' && body !== null && 'message' in body ? body.message : undefined;
    const detail = typeof body === 'string' ? body : (message ?? error.message);
    return new ProblemError(status, error.name.replace(/Exception$/, ''), Array.isArray(detail) ? detail.join('; ') : typeof detail === 'string' ? detail : JSON.stringify(detail));
  }
  const e = error as { statusCode?: number; code?: string; message?: string };
  if (e && typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    const detail = (e.code && FASTIFY_STATUS_DETAIL[e.code]) || e.message || 'bad request';
    return new ProblemError(e.statusCode, e.statusCode === 413 ? 'Payload Too Large' : 'Bad Request', detail);
  }
  return new ProblemError(500, 'Internal Server Error', 'unexpected error; see the server log');
}
