import { isRedisConnectionError, StoreUnavailableError } from './redis.health';

const errno = (code: string, syscall: string, message = `${syscall} ${code}`) => Object.assign(new Error(message), { code, syscall });

describe('isRedisConnectionError', () => {
  it('knows what ioredis and BullMQ reject commands with while there is no connection', () => {
    const maxRetries = Object.assign(new Error('Reached the max retries per request limit (which is 3).'), { name: 'MaxRetriesPerRequestError' });
    for (const e of [
      maxRetries,
      new Error('Connection is closed.'),
      new Error("Stream isn't writeable and enableOfflineQueue options is false"),
      new Error('LOADING Redis is loading the dataset in memory'),
      errno('ECONNREFUSED', 'connect'),
      errno('ECONNRESET', 'read'),
      errno('ENOENT', 'connect'), // the embedded server's socket is gone
      new StoreUnavailableError(),
    ])
      expect(isRedisConnectionError(e)).toBe(true);
  });

  it('sees through an aborted MULTI and wrapped causes', () => {
    const execAbort = Object.assign(new Error('EXECABORT Transaction discarded because of previous errors.'), {
      previousErrors: [new Error("Stream isn't writeable and enableOfflineQueue options is false"), new Error('Connection is closed.')],
    });
    expect(isRedisConnectionError(execAbort)).toBe(true);
    expect(isRedisConnectionError(new Error('ingest failed', { cause: errno('ECONNREFUSED', 'connect') }))).toBe(true);
  });

  it('leaves bad commands, bugs and unrelated files alone', () => {
    for (const e of [
      new Error('WRONGTYPE Operation against a key holding the wrong kind of value'),
      new Error('NOAUTH Authentication required.'),
      Object.assign(new Error('EXECABORT'), { previousErrors: [new Error('ERR syntax error')] }),
      new TypeError("Cannot read properties of undefined (reading '0')"),
      errno('ENOENT', 'open'),
      'Connection is closed.',
      null,
    ])
      expect(isRedisConnectionError(e)).toBe(false);
  });
});
