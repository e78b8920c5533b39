import { ArgumentsHost, Catch, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { toProblem } from '../../infra/http/problem.filter';
import { TAXII_MEDIA_TYPE } from './taxii.schemas';

/** TAXII endpoints answer errors as TAXII error messages (§3.6.1) in the TAXII media type, not problem+json. */
@Catch()
export class TaxiiErrorFilter implements ExceptionFilter {
  catch(error: unknown, host: ArgumentsHost) {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const p = toProblem(error);
    for (const [k, v] of Object.entries(p.extra.headers ?? {})) reply.header(k, v);
    reply.status(p.status).header('content-type', TAXII_MEDIA_TYPE).send(Buffer.from(JSON.stringify({ title: p.title, description: p.detail, http_status: String(p.status) })));
  }
}
