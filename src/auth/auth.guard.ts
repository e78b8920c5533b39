import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { CONFIG } from '../infra/config/config.module';
import type { GwanjeConfig } from '../infra/config/config.schema';
import { forbidden, tooManyRequests, unauthorized } from '../infra/http/problem';
import { isRedisConnectionError } from '../infra/redis/redis.health';
import { clientAddress } from '../infra/http/public-url';
import { AuthLimiter } from './auth-limiter.service';
import { ApiKeysService } from './api-keys.service';
import { PUBLIC_KEY, ROLES_KEY } from './auth.decorators';
import type { Role } from './auth.schemas';

/** The key from X-Api-Key, `Authorization: Bearer`, or HTTP Basic (password = key, as PAN-OS and FortiGate send). Never from the URL. */
export function extractKey(headers: FastifyRequest['headers']): string | null {
  const direct = headers['x-api-key'];
  if (typeof direct === 'string' && direct) return direct.trim();
  const auth = headers.authorization;
  if (!auth) return null;
  const [scheme, value] = auth.split(' ', 2);
  if (!value) return null;
  if (/^bearer$/i.test(scheme)) return value.trim();
  if (/^basic$/i.test(scheme)) {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon >= 0 ? decoded.slice(colon + 1) : null;
  }
  return null;
}

/** Authenticates every request (401; 429 for a client past its failed authentications), checks the route's roles (403) and the key's rate (429). */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ApiKeysService,
    private readonly limiter: AuthLimiter,
    @Inject(CONFIG) private readonly config: GwanjeConfig,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const request = ctx.switchToHttp().getRequest<FastifyRequest & { principal?: unknown }>();
    const token = extractKey(request.headers);
    if (!token) throw unauthorized('an API key is required (X-Api-Key header, Bearer token or HTTP Basic password)');
    const client = clientAddress(request);
    const { max, windowSeconds } = this.config.server.authFailures;
    const tooManyFailures = (retryAfterSeconds: number) =>
      tooManyRequests(`too many failed authentications from ${AuthLimiter.clientBucket(client)} (more than ${max} in ${windowSeconds}s); try again later`, retryAfterSeconds);
    const admitted = this.limiter.admit(client);
    if (!admitted.ok) throw tooManyFailures(admitted.retryAfterSeconds);
    const principal = await this.keys.verify(token);
    if (!principal) {
      const verdict = await this.limiter.failed(client, { keyId: /^gwk_([a-z0-9]{12})_/.exec(token)?.[1], path: request.url.split('?')[0] });
      if (!verdict.ok) throw tooManyFailures(verdict.retryAfterSeconds);
      throw unauthorized('the API key is unknown or revoked');
    }
    const roles = this.reflector.getAllAndOverride<Role[]>(ROLES_KEY, targets) ?? ['admin'];
    if (!roles.includes(principal.role)) throw forbidden(`role ${principal.role} may not call this endpoint; allowed: ${roles.join(', ')}`);
    // Redis down: no counter to consult; let the request reach its handler (feeds answer from memory, the rest 503).
    const rate = await this.limiter.request(principal.keyId).catch((e: unknown) => {
      if (isRedisConnectionError(e)) return { ok: true as const };
      throw e;
    });
    if (!rate.ok) throw tooManyRequests(`rate limit of ${this.config.server.rateLimitPerMinute} requests per minute exceeded for key ${principal.keyId}`, rate.retryAfterSeconds);
    request.principal = principal;
    return true;
  }
}
