import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoggerModule } from 'nestjs-pino';
import pino, { type DestinationStream, type Level, type LogFn } from 'pino';
import pretty from 'pino-pretty';
import type { GwanjeConfig } from '../config/config.schema';

/** Nest's start-up chatter (one line per module and route): useful when debugging, noise in the foreground. */
const FRAMEWORK_CONTEXTS = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestFactory', 'NestApplication']);

/** Nest's own info lines go out at debug. */
export const logHooks = {
  logMethod(this: pino.Logger, args: Parameters<LogFn>, method: LogFn, level: number) {
    const first = args[0] as { context?: unknown } | undefined;
    if (level === pino.levels.values.info && first && typeof first === 'object' && FRAMEWORK_CONTEXTS.has(String(first.context))) return this.debug(...(args as [object, string]));
    return method.apply(this, args);
  },
};

export function logFormat(config: GwanjeConfig, stdoutIsTTY = !!process.stdout.isTTY): 'pretty' | 'json' {
  return config.log.format === 'auto' ? (stdoutIsTTY ? 'pretty' : 'json') : config.log.format;
}

/**
 * Reads (the dashboard polls, static files, health, feeds) log at debug; writes at info; client
 * errors on writes at warn; server errors at error. So `info` shows what changed, not who looked.
 */
export function requestLevel(method: string | undefined, status: number, err?: Error): Level {
  if (err || status >= 500) return 'error';
  if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS') return 'debug';
  return status >= 400 ? 'warn' : 'info';
}

let destination: DestinationStream | null = null;

/** Write out what the logger still buffers (before the start-up banner, so the two do not interleave). */
export function flushLogs() {
  (destination as { flushSync?: () => void } | null)?.flushSync?.();
}

function makeDestination(format: 'pretty' | 'json'): DestinationStream {
  if (format === 'json') return pino.destination({ dest: 1, sync: false, minLength: 0 });
  // One line per entry: time, level, [context] message, then the other fields inline (a request line's message already says method, URL, status and time).
  return pretty({ sync: true, singleLine: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,context,req,res,responseTime', messageFormat: '{if context}[{context}] {end}{msg}' });
}

/** pino logs (pretty on a terminal, JSON otherwise); request logs carry the key id and jurisdiction once authenticated. Keys never appear. */
export const loggingModule = (config: GwanjeConfig) =>
  LoggerModule.forRoot({
    pinoHttp: [
      {
        level: config.log.level,
        hooks: logHooks,
        customLogLevel: (req: IncomingMessage, res: ServerResponse, err?: Error) => requestLevel(req.method, res.statusCode, err),
        customSuccessMessage: (req: IncomingMessage, res: ServerResponse, ms: number) => `${req.method} ${req.url} ${res.statusCode} ${Math.round(ms)} ms`,
        customErrorMessage: (req: IncomingMessage, res: ServerResponse, err: Error) => `${req.method} ${req.url} ${res.statusCode}: ${err.message}`,
        redact: ['req.headers.authorization', 'req.headers["x-api-key"]', 'req.headers.cookie'],
        customProps: (req) => {
          const p = (req as { principal?: { keyId: string; jurisdiction: string } }).principal;
          return p ? { keyId: p.keyId, jurisdiction: p.jurisdiction } : {};
        },
        serializers: { req: (req) => ({ id: req.id, method: req.method, url: req.url }) },
      },
      (destination = makeDestination(logFormat(config))),
    ],
  });
