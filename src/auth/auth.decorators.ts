import { SetMetadata, createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Principal, Role } from './auth.schemas';

export const ROLES_KEY = 'gwanje:roles';
export const PUBLIC_KEY = 'gwanje:public';

/** Roles allowed on a route. Every route needs a key unless marked @Public(). */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);
export const Public = () => SetMetadata(PUBLIC_KEY, true);

export const CurrentPrincipal = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => ctx.switchToHttp().getRequest().principal);
