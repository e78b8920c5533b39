import { Inject, Injectable, Logger } from '@nestjs/common';
import { parseNet } from '../contracts/net';
import { CONFIG } from '../infra/config/config.module';
import type { GwanjeConfig } from '../infra/config/config.schema';
import { ApiKeysStore } from './api-keys.store';
import { estimate, msUntilAtMost } from './sliding-window';

export type Verdict = { ok: true } | { ok: false; retryAfterSeconds: number };

/** Local memory of limited addresses is bounded; past this, expired entries go first, then the oldest. */
const MAX_LOCAL_BLOCKS = 50_000;

/**
 * Rate limits of the auth guard, both sliding windows counted in Redis (so shared by every API
 * process): requests per key, and failed authentications per client address.
 *
 * Failures are counted only when a presented key fails to verify. Once an address has used up its
 * failures, every authenticated request from it is refused with 429 — a correct guess included,
 * or the limit would not stop guessing — until the window has slid far enough. That refusal is
 * answered from process memory without touching Redis, so successful requests cost nothing extra;
 * a process that has not yet seen the address learns at its next failure, so N processes allow at
 * most N guesses beyond the limit per window.
 */
@Injectable()
export class AuthLimiter {
  private readonly log = new Logger('auth');
  private readonly failWindowMs: number;
  private readonly blocked = new Map<string, number>();

  constructor(private readonly store: ApiKeysStore, @Inject(CONFIG) private readonly config: GwanjeConfig) {
    this.failWindowMs = config.server.authFailures.windowSeconds * 1000;
  }

  /** The counter of a client: an IPv4 address, or the /64 of an IPv6 one (one subscriber's allocation). */
  static clientBucket(address: string): string {
    const net = parseNet(address);
    if (!net) return address.slice(0, 64) || 'unknown';
    return net.family === 6 ? parseNet(`${net.text}/64`)!.text : net.text;
  }

  /** Whether this client may try to authenticate at all right now (memory only). */
  admit(address: string, now = Date.now()): Verdict {
    const until = this.blocked.get(AuthLimiter.clientBucket(address));
    if (until === undefined) return { ok: true };
    if (until <= now) {
      this.blocked.delete(AuthLimiter.clientBucket(address));
      return { ok: true };
    }
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((until - now) / 1000)) };
  }

  /** Record a failed authentication; refused (429) once the client is past its limit. */
  async failed(address: string, detail: { keyId?: string; path: string }): Promise<Verdict> {
    const { max, windowSeconds } = this.config.server.authFailures;
    const bucket = AuthLimiter.clientBucket(address);
    // Warn (once per window) when the client reaches the limit, i.e. starts being refused.
    const c = await this.store.slidingHit(`authfail:${bucket}`, this.failWindowMs, max - 1);
    const failures = estimate(c);
    if (c.warn)
      this.log.warn(
        { client: bucket, address, failures: Math.round(failures), max, windowSeconds, lastKeyId: detail.keyId, path: detail.path },
        `authentication failures from ${bucket}: ${max} within ${windowSeconds}s; its requests are refused (429) until the rate falls`,
      );
    // The next failure would pass the limit: refuse this client until the estimate leaves room for one.
    if (failures > max - 1) this.block(bucket, Date.now() + msUntilAtMost(c, max - 1));
    return failures > max ? { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(msUntilAtMost(c, max - 1) / 1000)) } : { ok: true };
  }

  /** Count a request of a key; refused (429) past server.rateLimitPerMinute. */
  async request(keyId: string): Promise<Verdict> {
    const limit = this.config.server.rateLimitPerMinute;
    const c = await this.store.slidingHit(`rate:${keyId}`, 60_000, limit);
    if (c.warn) this.log.warn({ keyId, limit }, `key ${keyId} passed its rate limit of ${limit} requests per minute`);
    if (estimate(c) <= limit) return { ok: true };
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(msUntilAtMost(c, limit - 1) / 1000)) };
  }

  private block(bucket: string, until: number) {
    if (this.blocked.size >= MAX_LOCAL_BLOCKS && !this.blocked.has(bucket)) {
      const now = Date.now();
      for (const [k, t] of this.blocked) if (t <= now) this.blocked.delete(k);
      if (this.blocked.size >= MAX_LOCAL_BLOCKS) this.blocked.delete(this.blocked.keys().next().value!);
    }
    this.blocked.set(bucket, until);
  }
}
