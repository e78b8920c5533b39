import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { CONFIG } from '../../infra/config/config.module';
import type { GwanjeConfig } from '../../infra/config/config.schema';
import { REDIS } from '../../infra/redis/redis.module';
import type { ApprovalRecord, ApprovalStatus, Vote } from './approvals.schemas';

/**
 * Create unless the idempotency key names a live approval.
 * KEYS: body, state, idempotency, pending index, all index. ARGV: id, body JSON, idemKey ('' none), created ms, ttl s, quorum, deadline ms, onTimeout, key prefix.
 * Returns {id, created 0|1}.
 */
const CREATE_LUA = `
if ARGV[3] ~= '' then
  local existing = redis.call('GET', KEYS[3])
  if existing and redis.call('EXISTS', ARGV[9] .. existing) == 1 then return {existing, 0} end
end
local ttl = tonumber(ARGV[5])
redis.call('SET', KEYS[1], ARGV[2], 'EX', ttl)
redis.call('HSET', KEYS[2], 'status', 'pending', 'approvals', 0, 'quorum', ARGV[6], 'deadlineMs', ARGV[7], 'onTimeout', ARGV[8], 'notified', 0)
redis.call('EXPIRE', KEYS[2], ttl)
if ARGV[3] ~= '' then redis.call('SET', KEYS[3], ARGV[1], 'EX', ttl) end
redis.call('ZADD', KEYS[4], tonumber(ARGV[4]), ARGV[1])
redis.call('ZADD', KEYS[5], tonumber(ARGV[4]), ARGV[1])
return {ARGV[1], 1}
`;

/**
 * One vote per key. KEYS: state, votes, voters, pending index. ARGV: key id, vote JSON, approve|reject, now ISO, id.
 * Returns 'ok' (counted), 'decided' (counted, and it decided the approval), 'closed', 'again' (this key voted already), 'missing'.
 */
const VOTE_LUA = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 'missing' end
if redis.call('HGET', KEYS[1], 'status') ~= 'pending' then return 'closed' end
if redis.call('SADD', KEYS[3], ARGV[1]) == 0 then return 'again' end
redis.call('RPUSH', KEYS[2], ARGV[2])
local ttl = redis.call('TTL', KEYS[1])
if ttl > 0 then redis.call('EXPIRE', KEYS[2], ttl) redis.call('EXPIRE', KEYS[3], ttl) end
if ARGV[3] == 'reject' then
  redis.call('HSET', KEYS[1], 'status', 'rejected', 'approved', 0, 'decided', ARGV[4])
  redis.call('ZREM', KEYS[4], ARGV[5])
  return 'decided'
end
local n = redis.call('HINCRBY', KEYS[1], 'approvals', 1)
if n >= tonumber(redis.call('HGET', KEYS[1], 'quorum')) then
  redis.call('HSET', KEYS[1], 'status', 'approved', 'approved', 1, 'decided', ARGV[4])
  redis.call('ZREM', KEYS[4], ARGV[5])
  return 'decided'
end
return 'ok'
`;

/** Time out a pending approval past its deadline. KEYS: state, pending index. ARGV: now ms, now ISO, id. Returns 'timed-out', 'early', 'closed', 'missing'. */
const EXPIRE_LUA = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 'missing' end
if redis.call('HGET', KEYS[1], 'status') ~= 'pending' then return 'closed' end
if tonumber(redis.call('HGET', KEYS[1], 'deadlineMs')) > tonumber(ARGV[1]) then return 'early' end
local approve = redis.call('HGET', KEYS[1], 'onTimeout') == 'approve'
redis.call('HSET', KEYS[1], 'status', 'timed-out', 'approved', approve and 1 or 0, 'decided', ARGV[2])
redis.call('ZREM', KEYS[2], ARGV[3])
return 'timed-out'
`;

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
    this.redis.defineCommand('gwApprovalCreate', { numberOfKeys: 5, lua: CREATE_LUA });
    this.redis.defineCommand('gwApprovalVote', { numberOfKeys: 4, lua: VOTE_LUA });
    this.redis.defineCommand('gwApprovalExpire', { numberOfKeys: 2, lua: EXPIRE_LUA });
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
    const [id, created] = (await (this.redis as any).gwApprovalCreate(
      this.k.body(a.id),
      this.k.state(a.id),
      this.k.idem(a.idempotencyKey ?? '-'),
      this.k.pending(),
      this.k.all(),
      a.id,
      JSON.stringify(a),
      a.idempotencyKey ?? '',
      String(Date.parse(a.created)),
      String(ttl),
      String(a.quorum),
      String(Date.parse(a.deadline)),
      a.onTimeout,
      `${this.p}s:`,
    )) as [string, number];
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
    return (await (this.redis as any).gwApprovalVote(this.k.state(id), this.k.votes(id), this.k.voters(id), this.k.pending(), vote.by.keyId, JSON.stringify(vote), vote.vote, vote.at, id)) as never;
  }

  async expire(id: string, now = Date.now()): Promise<'timed-out' | 'early' | 'closed' | 'missing'> {
    return (await (this.redis as any).gwApprovalExpire(this.k.state(id), this.k.pending(), String(now), new Date(now).toISOString(), id)) as never;
  }

  async markNotified(id: string): Promise<void> {
    await this.redis.hset(this.k.state(id), 'notified', 1);
  }

  /** Newest first: pending ones from the pending index, others from the time index. */
  async list(q: { status?: string; limit: number; keep: (a: ApprovalRecord) => boolean }): Promise<ApprovalRecord[]> {
    const key = q.status === 'pending' ? this.k.pending() : this.k.all();
    const out: ApprovalRecord[] = [];
    for (let start = 0; start < 5000; start += 200) {
      const ids = await this.redis.zrevrange(key, start, start + 199);
      if (!ids.length) break;
      const rows = await this.getMany(ids);
      const gone = ids.filter((_, i) => !rows[i]);
      for (const a of rows) if (a && (!q.status || a.status === q.status) && q.keep(a) && out.length < q.limit) out.push(a);
      if (gone.length) await this.redis.zrem(key, ...gone);
      if (out.length >= q.limit || ids.length < 200) break;
    }
    return out;
  }
}
