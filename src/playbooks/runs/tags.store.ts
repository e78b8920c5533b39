import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { CONFIG } from '../../infra/config/config.module';
import type { GwanjeConfig } from '../../infra/config/config.schema';
import { REDIS } from '../../infra/redis/redis.module';

export interface IpTag {
  tag: string;
  jurisdiction: string;
  note: string | null;
  playbook: string;
  run: string;
  at: string;
  expires: string;
}

/** Tags playbooks put on IPs: one small hash per IP, field `<jurisdiction>|<tag>`. */
@Injectable()
export class TagsStore {
  private readonly p: string;

  constructor(@Inject(REDIS) private readonly redis: Redis, @Inject(CONFIG) config: GwanjeConfig) {
    this.p = `${config.redis.keyPrefix}:playbooks:tags:`;
  }

  async add(ip: string, tags: IpTag[]): Promise<void> {
    if (!tags.length) return;
    const key = this.p + ip;
    const ttl = Math.max(...tags.map((t) => Date.parse(t.expires) - Date.now()));
    const m = this.redis.multi();
    for (const t of tags) m.hset(key, `${t.jurisdiction}|${t.tag}`, JSON.stringify(t));
    m.pexpire(key, Math.max(ttl, await this.redis.pttl(key)));
    await m.exec();
  }

  async get(ip: string, visible: Set<string>): Promise<IpTag[]> {
    const now = Date.now();
    return Object.values(await this.redis.hgetall(this.p + ip))
      .map((j) => JSON.parse(j) as IpTag)
      .filter((t) => visible.has(t.jurisdiction) && Date.parse(t.expires) > now)
      .sort((a, b) => a.at.localeCompare(b.at));
  }
}
