import { z } from 'zod';

export const Role = z.enum(['admin', 'analyst', 'sensor', 'feed']);
export type Role = z.infer<typeof Role>;

/** A stored API key; only the hash of its secret is kept. */
export const ApiKeyRecord = z.object({
  id: z.string(),
  name: z.string(),
  role: Role,
  jurisdiction: z.string(),
  created: z.string(),
  createdBy: z.string(),
  revoked: z.string().nullable(),
});
export type ApiKeyRecord = z.infer<typeof ApiKeyRecord>;

export const CreateKeyBody = z.strictObject({
  role: Role,
  jurisdiction: z.string().optional(),
  name: z.string().max(200).optional(),
});

export const ListKeysQuery = z.strictObject({ jurisdiction: z.string().optional() });

/** Who is calling: resolved from the API key on every request. */
export interface Principal {
  keyId: string;
  role: Role;
  jurisdiction: string;
}

/** The audit actor for a request's key. */
export const actorOf = (p: Principal) => ({ type: 'key' as const, id: p.keyId, role: p.role, jurisdiction: p.jurisdiction });
