import { LoggerModule } from 'nestjs-pino';
import type { GwanjeConfig } from '../config/config.schema';

/** pino JSON logs; request logs carry the key id and jurisdiction once authenticated. Keys never appear. */
export const loggingModule = (config: GwanjeConfig) =>
  LoggerModule.forRoot({
    pinoHttp: {
      level: config.log.level,
      redact: ['req.headers.authorization', 'req.headers["x-api-key"]', 'req.headers.cookie'],
      customProps: (req) => {
        const p = (req as { principal?: { keyId: string; jurisdiction: string } }).principal;
        return p ? { keyId: p.keyId, jurisdiction: p.jurisdiction } : {};
      },
      autoLogging: { ignore: (req) => req.url === '/health' || req.url === '/metrics' },
      serializers: { req: (req) => ({ id: req.id, method: req.method, url: req.url }) },
    },
  });
