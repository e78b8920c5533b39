import { SetMetadata } from '@nestjs/common';

/**
 * Route metadata that the auth guard enforces and the OpenAPI document describes. It lives in infra
 * so the OpenAPI builder reads it (through Nest's discovery) without importing the auth domain.
 */
export const ROLES_KEY = 'gwanje:roles';
export const PUBLIC_KEY = 'gwanje:public';

/** A route that needs no API key. */
export const Public = () => SetMetadata(PUBLIC_KEY, true);
