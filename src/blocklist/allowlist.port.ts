/** Looks up whether an IP is allowlisted for a jurisdiction (implemented by the block-list domain). */
export const ALLOWLIST = Symbol('ALLOWLIST');

export interface AllowlistLookup {
  check(ip: string, jurisdiction: string): Promise<{ allowlisted: boolean; reason: string | null }>;
}
