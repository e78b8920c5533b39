import compress from '@fastify/compress';
import type { FastifyInstance } from 'fastify';
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
