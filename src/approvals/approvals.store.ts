import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { CONFIG } from '../infra/config/config.module';
import type { GwanjeConfig } from '../infra/config/config.schema';
import { REDIS } from '../infra/redis/redis.module';
import { luaScript } from '../infra/redis/scripts';
import type { ApprovalRecord, ApprovalStatus, Vote } from './approvals.schemas';

type S = string;
/** The Lua scripts of this store; their headers (lua/*.lua) say what each key and argument is. */
const scripts = {
  create: luaScript<
    [body: S, state: S, idem: S, pending: S, all: S],
    [id: S, json: S, idemKey: S, createdMs: number, ttlS: number, quorum: number, deadlineMs: number, onTimeout: S, statePrefix: S],
    [id: string, created: 0 | 1]
  >(__dirname, 'lua/create-5.lua'),
  vote: luaScript<[state: S, votes: S, voters: S, pending: S], [keyId: S, json: S, vote: 'approve' | 'reject', nowIso: S, id: S], 'ok' | 'decided' | 'closed' | 'again' | 'missing'>(__dirname, 'lua/vote-4.lua'),
  expire: luaScript<[state: S, pending: S], [nowMs: number, nowIso: S, id: S], 'timed-out' | 'early' | 'closed' | 'missing'>(__dirname, 'lua/expire-2.lua'),
};

type Body = Omit<ApprovalRecord, 'status' | 'decided' | 'approved' | 'votes' | 'notified'>;

/**
 * Redis keys of approvals: the request (immutable JSON), its state (small hash), votes and voters,
 * pending and time indexes, idempotency keys. Kept playbooks.retentionDays past the deadline.
 */
@Injectable()
export class ApprovalsStore {
  private readonly p: string;
  private readonly retentionS: number;

  constructor(@Inject(REDIS) private readonly redis: Redis, @Inject(CONFIG) config: GwanjeConfig) {
    this.p = `${config.redis.keyPrefix}:playbooks:approvals:`;
    this.retentionS = Math.ceil(config.playbooks.retentionDays * 86_400);
    for (const script of Object.values(scripts)) script.define(this.redis);
  }

  private k = {
    body: (id: string) => `${this.p}a:${id}`,
    state: (id: string) => `${this.p}s:${id}`,
    votes: (id: string) => `${this.p}v:${id}`,
    voters: (id: string) => `${this.p}vk:${id}`,
    idem: (key: string) => `${this.p}idem:${key}`,
    pending: () => `${this.p}pending`,
    all: () => `${this.p}all`,
  };

  async create(a: Body): Promise<{ id: string; created: boolean }> {
    const ttl = Math.ceil(a.timeoutMs / 1000) + this.retentionS;
    const [id, created] = await scripts.create.run(
      this.redis,
      [this.k.body(a.id), this.k.state(a.id), this.k.idem(a.idempotencyKey ?? '-'), this.k.pending(), this.k.all()],
      [a.id, JSON.stringify(a), a.idempotencyKey ?? '', Date.parse(a.created), ttl, a.quorum, Date.parse(a.deadline), a.onTimeout, `${this.p}s:`],
    );
    return { id, created: created === 1 };
  }

  async get(id: string): Promise<ApprovalRecord | null> {
    return (await this.getMany([id]))[0];
  }

  async getMany(ids: string[]): Promise<Array<ApprovalRecord | null>> {
    if (!ids.length) return [];
    const pipe = this.redis.pipeline();
    for (const id of ids) pipe.get(this.k.body(id)).hgetall(this.k.state(id)).lrange(this.k.votes(id), 0, -1);
    const res = ((await pipe.exec()) ?? []).map(([err, v]) => {
      if (err) throw err;
      return v;
    });
    return ids.map((_, i) => {
      const body = res[i * 3] as string | null;
      const st = res[i * 3 + 1] as Record<string, string>;
      if (!body || !st.status) return null;
      return {
        ...(JSON.parse(body) as Body),
        status: st.status as ApprovalStatus,
        decided: st.decided ?? null,
        approved: st.approved === undefined ? null : st.approved === '1',
        notified: st.notified === '1',
        votes: (res[i * 3 + 2] as string[]).map((v) => JSON.parse(v) as Vote),
      };
    });
  }

  async vote(id: string, vote: Vote): Promise<'ok' | 'decided' | 'closed' | 'again' | 'missing'> {
    return scripts.vote.run(this.redis, [this.k.state(id), this.k.votes(id), this.k.voters(id), this.k.pending()], [vote.by.keyId, JSON.stringify(vote), vote.vote, vote.at, id]);
  }

  async expire(id: string, now = Date.now()): Promise<'timed-out' | 'early' | 'closed' | 'missing'> {
    return scripts.expire.run(this.redis, [this.k.state(id), this.k.pending()], [now, new Date(now).toISOString(), id]);
  }

  async markNotified(id: string): Promise<void> {
    await this.redis.hset(this.k.state(id), 'notified', 1);
  }

  /** Newest first: pending ones from the pending index, others from the time index. */
  async list(q: { status?: string; limit: number; keep: (a: ApprovalRecord) => boolean }): Promise<ApprovalRecord[]> {
    const key = q.status === 'pending' ? this.k.pending() : this.k.all();
    const out: ApprovalRecord[] = [];
    for (let start = 0, scanned = 0; scanned < 5000; scanned += 200) {
      const ids = await this.redis.zrevrange(key, start, start + 199);
      if (!ids.length) break;
      const rows = await this.getMany(ids);
      const gone = ids.filter((_, i) => !rows[i]);
      for (const a of rows) if (a && (!q.status || a.status === q.status) && q.keep(a) && out.length < q.limit) out.push(a);
      if (gone.length) await this.redis.zrem(key, ...gone);
      if (out.length >= q.limit || ids.length < 200) break;
      // The pruned entries no longer take up ranks: the next page starts that much earlier.
      start += ids.length - gone.length;
    }
    return out;
  }
}
