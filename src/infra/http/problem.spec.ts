import { NotFoundException } from '@nestjs/common';
import { badRequest, conflict, ProblemError, problemCode, tooManyRequests } from './problem';
import { toProblem } from './problem.filter';

describe('problem codes', () => {
  it('gives every problem a stable code by its status, unless it carries its own', () => {
    expect(badRequest('x').code).toBe('validation_failed');
    expect(conflict('x').code).toBe('conflict');
    expect(tooManyRequests('x', 5).code).toBe('rate_limited');
    expect(new ProblemError(409, 'Conflict', 'replayed', { code: 'replay' }).code).toBe('replay');
    expect(problemCode(418)).toBe('bad_request');
    expect(problemCode(502)).toBe('internal_error');
  });

  it('codes what Nest and Fastify throw too', () => {
    expect(toProblem(new NotFoundException('Cannot GET /nope')).code).toBe('not_found');
    expect(toProblem(Object.assign(new Error('too big'), { statusCode: 413, code: 'FST_ERR_CTP_BODY_TOO_LARGE' })).code).toBe('payload_too_large');
    expect(toProblem(new Error('boom')).code).toBe('internal_error');
  });
});
