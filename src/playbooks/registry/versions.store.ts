import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { CONFIG } from '../../infra/config/config.module';
import type { GwanjeConfig } from '../../infra/config/config.schema';
import { REDIS } from '../../infra/redis/redis.module';
import { luaScript } from '../../infra/redis/scripts';

/** Where a version came from: a file (path relative to the playbooks directory), the API (key id) or a rollback. */
export interface VersionSource {
  type: 'file' | 'api' | 'rollback';
  file?: string;
  by?: string;
  /** Rollbacks: the version whose text was restored. */
  from?: number;
}

export interface VersionMeta {
  version: number;
  hash: string;
  at: string;
  source: VersionSource;
  status: string;
  owner: string;
  name: string;
  trigger: string;
  comment?: string;
}

/** The version a playbook runs now. */
export interface Head extends VersionMeta {
  /** Hash of the file text last seen for it (a restart with an unchanged file keeps API versions). */
  fileHash: string | null;
  /** The file that defined it was removed: it no longer runs. */
  removed: boolean;
}

/** Append a version unless it is the current one (see the script's header). */
const appendVersion = luaScript<
  [heads: string, versions: string, text: string, gen: string],
  [id: string, hash: string, text: string, metaJson: string, kind: 'file' | 'other', fileHash: string, maxVersions: number],
  [appended: 0 | 1, version: number]
>(__dirname, 'lua/append-version-4.lua');

/** Redis keys of playbook definitions: heads, version history, texts by hash, load errors by file. */
@Injectable()
export class VersionsStore {
  private readonly p: string;

  constructor(@Inject(REDIS) private readonly redis: Redis, @Inject(CONFIG) private readonly config: GwanjeConfig) {
    this.p = `${config.redis.keyPrefix}:playbooks:`;
    appendVersion.define(this.redis);
  }

  private k = {
    heads: () => `${this.p}heads`,
    versions: (id: string) => `${this.p}versions:${id}`,
    text: (hash: string) => `${this.p}text:${hash}`,
    gen: () => `${this.p}gen`,
    errors: () => `${this.p}errors`,
  };

  /** Returns the version now current and whether it was appended. */
  async append(id: string, text: string, meta: Omit<VersionMeta, 'version'>, fileHash: string | null): Promise<{ appended: boolean; version: number }> {
    const [appended, version] = await appendVersion.run(
      this.redis,
      [this.k.heads(), this.k.versions(id), this.k.text(meta.hash), this.k.gen()],
      [id, meta.hash, text, JSON.stringify(meta), meta.source.type === 'file' ? 'file' : 'other', fileHash ?? '', this.config.playbooks.maxVersions],
    );
    return { appended: appended === 1, version };
  }

  async heads(): Promise<Map<string, Head>> {
    const all = await this.redis.hgetall(this.k.heads());
    return new Map(Object.entries(all).map(([id, json]) => [id, JSON.parse(json) as Head]));
  }

  async head(id: string): Promise<Head | null> {
    const json = await this.redis.hget(this.k.heads(), id);
    return json ? (JSON.parse(json) as Head) : null;
  }

  /** Mark a file-defined playbook removed (its file is gone). */
  async markRemoved(id: string): Promise<boolean> {
    const head = await this.head(id);
    if (!head || head.removed) return false;
    await this.redis.multi().hset(this.k.heads(), id, JSON.stringify({ ...head, removed: true })).incr(this.k.gen()).exec();
    return true;
  }

  async generation(): Promise<string> {
    return (await this.redis.get(this.k.gen())) ?? '0';
  }

  async versions(id: string): Promise<VersionMeta[]> {
    return (await this.redis.lrange(this.k.versions(id), 0, -1)).map((s) => JSON.parse(s) as VersionMeta);
  }

  text(hash: string): Promise<string | null> {
    return this.redis.get(this.k.text(hash));
  }

  /** Load errors per file (relative path), as last seen by any process. */
  async setErrors(file: string, errors: unknown[]): Promise<void> {
    if (errors.length) await this.redis.hset(this.k.errors(), file, JSON.stringify(errors));
    else await this.redis.hdel(this.k.errors(), file);
  }

  async errors(): Promise<Map<string, unknown[]>> {
    const all = await this.redis.hgetall(this.k.errors());
    return new Map(Object.entries(all).map(([f, json]) => [f, JSON.parse(json) as unknown[]]));
  }
}
