import compress from '@fastify/compress';
import type { FastifyInstance } from 'fastify';
import { RETRY_AFTER_SECONDS } from '../redis/redis.health';
import { badRequest } from './problem';

/** Routes that take the raw body (log lines) instead of parsed JSON. */
const RAW_BODY_ROUTES = ['/v1/ingest'];
const wantsRaw = (url: string) => RAW_BODY_ROUTES.some((r) => url === r || url.startsWith(r + '?'));

/**
 * Fastify-level setup: @fastify/compress inflates gzip/deflate request bodies in preParsing (so the
 * body limit applies after decompression and a zip bomb is a 413) and compresses responses;
 * ingest gets raw bodies, other routes JSON.
 */
export async function configureFastify(app: FastifyInstance): Promise<void> {
  answer503WhileClosing(app);
  await app.register(compress, { global: true, threshold: 1024, encodings: ['gzip', 'deflate'] });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body: Buffer, done) => {
    if (wantsRaw(request.url)) return done(null, body);
    if (!body.length) return done(null, undefined);
    try {
      done(null, JSON.parse(body.toString('utf8')));
    } catch (e) {
      done(badRequest(`body: invalid JSON: ${(e as Error).message}`), undefined);
    }
  });
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (request, body: Buffer, done) => {
    if (wantsRaw(request.url)) return done(null, body);
    // YAML and text bodies (playbooks) are read as UTF-8 text by their handlers.
    done(null, body.toString('utf8'));
  });
}

/**
 * Fastify options of the HTTP server. Its own 503 for requests arriving during shutdown (on a
 * kept-alive connection) is plain JSON without Retry-After: turned off, answered below instead.
 */
export const FASTIFY_SERVER_OPTIONS = { return503OnClosing: false } as const;

/** Once the server is closing, every new request is a problem+json 503 with Retry-After (a load balancer retries elsewhere). */
function answer503WhileClosing(app: FastifyInstance) {
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async (request, reply) => {
    if (!closing) return;
    return reply
      .header('connection', 'close')
      .header('retry-after', String(RETRY_AFTER_SECONDS))
      .status(503)
      .type('application/problem+json')
      .send({ type: 'about:blank', title: 'Service Unavailable', status: 503, code: 'service_unavailable', detail: 'the server is shutting down; retry after the Retry-After delay', instance: request.url.split('?')[0] });
  });
}
