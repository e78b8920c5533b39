import { Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { AuditStore } from './audit.store';
import type { AuditEntry, AuditInput } from './audit.schemas';

/** The hash-chained audit trail of every state change. */
@Injectable()
export class AuditService {
  private readonly log = new Logger('audit');
  constructor(private readonly store: AuditStore) {}

  async record(input: AuditInput): Promise<{ seq: number; hash: string }> {
    const fields = JSON.stringify({
      at: new Date().toISOString(),
      actor: input.actor,
      action: input.action,
      jurisdiction: input.jurisdiction ?? null,
      target: input.target,
      reason: input.reason ?? null,
      detail: input.detail ?? {},
    });
    const out = await this.store.append(fields);
    this.log.log({ seq: out.seq, action: input.action, target: input.target, actor: input.actor.id, jurisdiction: input.jurisdiction }, 'audit');
    return out;
  }

  async list(q: { since?: string; jurisdictions?: Set<string>; limit: number; after?: number }): Promise<{ items: AuditEntry[]; next: string | null }> {
    const items: AuditEntry[] = [];
    let after = q.after ?? 0;
    const since = q.since ? Date.parse(q.since) : 0;
    for (;;) {
      const rows = await this.store.range(after, 500);
      if (!rows.length) break;
      for (const r of rows) {
        const e = { ...JSON.parse(r.body), hash: r.hash } as AuditEntry;
        after = e.seq;
        if (Date.parse(e.at) < since) continue;
        if (q.jurisdictions && !(e.jurisdiction && q.jurisdictions.has(e.jurisdiction))) continue;
        items.push(e);
        if (items.length === q.limit) return { items, next: String(after) };
      }
    }
    return { items, next: null };
  }

  /** Recompute the chain; name the first entry whose text, hash or link does not match. */
  async verify(): Promise<{ valid: boolean; entries: number; firstBroken: { seq: number; reason: string } | null }> {
    let prev = 'genesis';
    let after = 0;
    let count = 0;
    for (;;) {
      const rows = await this.store.range(after, 1000);
      if (!rows.length) return { valid: true, entries: count, firstBroken: null };
      for (const r of rows) {
        count++;
        let e: { seq: number; prevHash: string };
        try {
          e = JSON.parse(r.body);
        } catch {
          return { valid: false, entries: count, firstBroken: { seq: after + 1, reason: 'entry is not valid JSON' } };
        }
        if (e.seq !== after + 1) return { valid: false, entries: count, firstBroken: { seq: after + 1, reason: `entry missing (found seq ${e.seq})` } };
        if (e.prevHash !== prev) return { valid: false, entries: count, firstBroken: { seq: e.seq, reason: 'previous-hash link does not match the entry before it' } };
        if (createHash('sha1').update(r.body).digest('hex') !== r.hash) return { valid: false, entries: count, firstBroken: { seq: e.seq, reason: 'content does not match its hash (edited)' } };
        prev = r.hash;
        after = e.seq;
      }
    }
  }
}
