import pino from 'pino';
import { Writable } from 'node:stream';
import { GwanjeConfig } from '../config/config.schema';
import { logFormat, logHooks, requestLevel } from './logging';

const config = (format?: 'auto' | 'pretty' | 'json') => GwanjeConfig.parse({ jurisdictions: [{ id: 'a', name: 'A' }], log: format ? { format } : {} });

function capture(level: string) {
  const lines: Array<{ level: number; msg: string }> = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { lines, logger: pino({ level, hooks: logHooks }, stream) };
}

describe('logging', () => {
  it('logs reads (dashboard polls, static files, health) at debug and changes at info', () => {
    expect(requestLevel('GET', 200)).toBe('debug');
    expect(requestLevel('HEAD', 304)).toBe('debug');
    expect(requestLevel('GET', 401)).toBe('debug');
    expect(requestLevel('POST', 202)).toBe('info');
    expect(requestLevel('DELETE', 404)).toBe('warn');
    expect(requestLevel('GET', 503)).toBe('error');
    expect(requestLevel('POST', 200, new Error('boom'))).toBe('error');
  });

  it('is human on a terminal and JSON otherwise, unless log.format says', () => {
    expect(logFormat(config(), true)).toBe('pretty');
    expect(logFormat(config(), false)).toBe('json');
    expect(logFormat(config('json'), true)).toBe('json');
    expect(logFormat(config('pretty'), false)).toBe('pretty');
  });

  it("demotes Nest's start-up lines to debug and keeps Gwanje's own at info", () => {
    const info = capture('info');
    info.logger.info({ context: 'RouterExplorer' }, 'Mapped {/v1/alerts, GET} route');
    info.logger.info({ context: 'InstanceLoader' }, 'AppModule dependencies initialized');
    info.logger.info({ context: 'playbooks' }, 'playbooks loaded');
    expect(info.lines.map((l) => l.msg)).toEqual(['playbooks loaded']);
    const debug = capture('debug');
    debug.logger.info({ context: 'RouterExplorer' }, 'Mapped {/v1/alerts, GET} route');
    expect(debug.lines).toEqual([expect.objectContaining({ level: 20, msg: 'Mapped {/v1/alerts, GET} route' })]);
  });
});
