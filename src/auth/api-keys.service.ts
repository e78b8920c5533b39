import { Inject, Injectable } from '@nestjs/common';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { CONFIG } from '../infra/config/config.module';
import type { GwanjeConfig } from '../infra/config/config.schema';
import { Invalid, NotFound } from '../contracts/errors';
import { isRedisConnectionError } from '../infra/redis/redis.health';
import { JurisdictionsService } from '../jurisdictions/jurisdictions.service';
import { AuditService } from '../audit/audit.service';
import type { AuditActor } from '../audit/audit.schemas';
import { ApiKeysStore } from './api-keys.store';
import type { ApiKeyRecord, Principal, Role } from './auth.schemas';

const sha256 = (text: string) => createHash('sha256').update(text).digest();
/** Keys read `gwk_<id>_<secret>`: the id finds the record, the secret is compared by hash. */
const KEY_PATTERN = /^gwk_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$/;
export const BOOTSTRAP_KEY_ID = 'bootstrap-admin';

@Injectable()
export class ApiKeysService {
  private readonly adminKeyHash?: Buffer;
  /** Verified keys are cached briefly, so a revocation takes effect within this many ms. */
  private readonly cache = new Map<string, { principal: Principal | null; until: number }>();
  static readonly CACHE_MS = 2000;

  constructor(
    private readonly store: ApiKeysStore,
    private readonly jurisdictions: JurisdictionsService,
    private readonly audit: AuditService,
    @Inject(CONFIG) config: GwanjeConfig,
  ) {
    if (config.adminKey) this.adminKeyHash = sha256(config.adminKey);
  }

  async create(input: { role: Role; jurisdiction: string; name?: string; createdBy: AuditActor }): Promise<{ key: string; record: ApiKeyRecord }> {
    if (!this.jurisdictions.has(input.jurisdiction)) throw new Invalid(`jurisdiction: ${input.jurisdiction} is not declared in the configuration`);
    const id = randomBytes(8).toString('hex').slice(0, 12);
    const secret = randomBytes(32).toString('base64url');
    const record: ApiKeyRecord = {
      id,
      name: input.name ?? `${input.role}@${input.jurisdiction}`,
      role: input.role,
      jurisdiction: input.jurisdiction,
      created: new Date().toISOString(),
      createdBy: input.createdBy.id,
      revoked: null,
    };
    await this.store.save(record, sha256(secret).toString('hex'));
    await this.audit.record({ actor: input.createdBy, action: 'key.created', jurisdiction: record.jurisdiction, target: { type: 'api-key', id }, detail: { role: record.role, name: record.name } });
    return { key: `gwk_${id}_${secret}`, record };
  }

  async verify(token: string): Promise<Principal | null> {
    if (this.adminKeyHash && token.length >= 16 && timingSafeEqual(sha256(token), this.adminKeyHash))
      return { keyId: BOOTSTRAP_KEY_ID, role: 'admin', jurisdiction: this.jurisdictions.primaryHub().id };
    const m = KEY_PATTERN.exec(token);
    if (!m) return null;
    const cached = this.cache.get(token);
    if (cached && cached.until > Date.now()) return cached.principal;
    let found: Awaited<ReturnType<ApiKeysStore['find']>>;
    try {
      found = await this.store.find(m[1]);
    } catch (e) {
      // Redis down: a key verified before keeps its answer (nothing can revoke it meanwhile), so firewalls still get their feeds.
      if (cached && isRedisConnectionError(e)) return cached.principal;
      throw e;
    }
    const valid = !!found && !found.record.revoked && timingSafeEqual(sha256(m[2]), Buffer.from(found.hash, 'hex'));
    const principal = valid ? { keyId: found!.record.id, role: found!.record.role, jurisdiction: found!.record.jurisdiction } : null;
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(token, { principal, until: Date.now() + ApiKeysService.CACHE_MS });
    return principal;
  }

  list(): Promise<ApiKeyRecord[]> {
    return this.store.list();
  }

  async revoke(id: string, visible: Set<string> | null, actor: AuditActor): Promise<ApiKeyRecord> {
    const found = await this.store.find(id);
    // Another jurisdiction's key answers exactly as a missing one.
    if (!found || (visible && !visible.has(found.record.jurisdiction))) throw new NotFound(`api key ${id} does not exist`);
    const at = new Date().toISOString();
    if (!found.record.revoked) {
      await this.store.revoke(id, at);
      await this.audit.record({ actor, action: 'key.revoked', jurisdiction: found.record.jurisdiction, target: { type: 'api-key', id } });
    }
    this.cache.clear();
    return { ...found.record, revoked: found.record.revoked ?? at };
  }
}
