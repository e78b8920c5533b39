import { Conflict, Forbidden, Invalid, NotFound, Refused, Unavailable } from '../../contracts/errors';
import { toProblem } from './problem.filter';

describe('domain errors as problem+json', () => {
  it.each([
    [new Invalid('jurisdiction: x is not declared'), 400, 'Bad Request', 'validation_failed'],
    [new Refused('value: 0.0.0.0/0 would allowlist every address'), 422, 'Unprocessable Content', 'unprocessable'],
    [new NotFound('approval a does not exist'), 404, 'Not Found', 'not_found'],
    [new Forbidden('a key of seoul cannot act for busan'), 403, 'Forbidden', 'forbidden'],
    [new Conflict('approval a is already approved'), 409, 'Conflict', 'conflict'],
    [new Unavailable('peer down'), 503, 'Service Unavailable', 'service_unavailable'],
  ])('%s → %d %s, code %s, the message as detail', (err, status, title, code) => {
    const p = toProblem(err);
    expect({ status: p.status, title: p.title, code: p.code, detail: p.detail }).toEqual({ status, title, code, detail: err.message });
  });

  it('keeps a specific code, field errors and Retry-After', () => {
    expect(toProblem(new Refused('listed', 'allowlisted')).code).toBe('allowlisted');
    expect(toProblem(new Invalid('body.ttl: bad', undefined, [{ path: 'body.ttl', message: 'bad' }])).extra.errors).toEqual([{ path: 'body.ttl', message: 'bad' }]);
    expect(toProblem(new Unavailable('later', undefined, 5)).extra.headers).toEqual({ 'retry-after': '5' });
  });
});
