import { SetMetadata, createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Principal, Role } from './auth.schemas';

import { ROLES_KEY } from '../infra/http/route-access';

export { PUBLIC_KEY, Public, ROLES_KEY } from '../infra/http/route-access';

/** Roles allowed on a route. Every route needs a key unless marked @Public(). */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);

export const CurrentPrincipal = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => ctx.switchToHttp().getRequest().principal);
