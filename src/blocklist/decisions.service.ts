import { Inject, Injectable, Logger } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { EventBus } from '../infra/events/event-bus';
import type { AuditActor } from '../audit/audit.schemas';
import { CONFIG } from '../infra/config/config.module';
import type { GwanjeConfig } from '../infra/config/config.schema';
import { JurisdictionsService } from '../jurisdictions/jurisdictions.service';
import type { AllowlistEntry } from './allowlist.schemas';
import { AllowlistService } from './allowlist.service';
import { AllowlistStore } from './allowlist.store';
import { BanInput, statusOf, type BanResult, type Decision, type EndResult, type RefusalCode } from './decisions.schemas';
import { DecisionsStore } from './decisions.store';
import { configDuration, formatDuration, parseDuration } from '../contracts/duration';
import { overlaps, parseNet, type IpNet } from '../contracts/net';

/** How often a ban re-checks when the allowlist changed between its check and its write. */
const STALE_RETRIES = 3;

/**
 * Block decisions: the one path every ban takes (manual API and CLI, playbooks, sharing), with the
 * same checks — canonical value, minimum prefix, never /0, allowlists — and repeat-offender
 * escalation. Refusals are answers, not exceptions, so callers can record them.
 *
 * Playbooks: `ban({ origin: { type: 'playbook', id: runId }, actor: { type: 'playbook-run', id: runId }, ... })`.
 * Sharing:   `ban({ origin: { type: 'shared', id: shareId, chain: ['seoul', 'klid'] }, actor: { type: 'peer', id }, ... })`.
 */
@Injectable()
export class DecisionsService {
  private readonly log = new Logger('decisions');
  private readonly bl: GwanjeConfig['blocklist'];
  private readonly limits: { min: number; max: number; escalationMax: number; lookback: number; defaultDuration: number };

  constructor(
    private readonly store: DecisionsStore,
    private readonly allowlist: AllowlistService,
    private readonly allowlistStore: AllowlistStore,
    private readonly jurisdictions: JurisdictionsService,
    private readonly audit: AuditService,
    @Inject(CONFIG) config: GwanjeConfig,
    private readonly events: EventBus,
  ) {
    this.bl = config.blocklist;
    this.limits = {
      min: configDuration(this.bl.minDuration),
      max: configDuration(this.bl.maxDuration),
      escalationMax: configDuration(this.bl.escalation.max),
      lookback: configDuration(this.bl.escalation.lookback),
      defaultDuration: configDuration(this.bl.defaultDuration),
    };
    allowlist.onAdded((entry, actor) => this.endCoveredBy(entry, actor));
  }

  /** Canonical value and prefix policy; a reason when the value cannot be blocked. */
  checkValue(value: string): { ok: true; net: IpNet } | { ok: false; code: RefusalCode; refused: string } {
    const net = parseNet(value);
    if (!net) return { ok: false, code: 'invalid', refused: `${value} is not an IP address or CIDR` };
    if (net.prefix === 0) return { ok: false, code: 'prefix', refused: `${net.text} would block every address; /0 is never allowed` };
    const min = net.family === 4 ? this.bl.minPrefix.v4 : this.bl.minPrefix.v6;
    if (!net.host && net.prefix < min)
      return { ok: false, code: 'prefix', refused: `${net.text} is wider than allowed: IPv${net.family} prefixes shorter than /${min} are refused (blocklist.minPrefix.v${net.family})` };
    return { ok: true, net };
  }

  /** Effective duration: base × factor^repeat within the look-back, capped (never below the base). */
  escalated(baseMs: number, repeat: number, escalate: boolean): number {
    if (!escalate || repeat === 0) return baseMs;
    const cap = Math.max(this.limits.escalationMax, baseMs);
    return Math.min(baseMs * Math.pow(this.bl.escalation.factor, repeat), cap, Math.max(this.limits.max, baseMs));
  }

  async ban(raw: BanInput): Promise<BanResult> {
    const parsed = BanInput.safeParse(raw);
    if (!parsed.success) {
      const why = parsed.error.issues.map((i) => `${i.path.join('.') || '(input)'}: ${i.message}`).join('; ');
      return this.refuse(raw, 'invalid', `invalid ban: ${why}`);
    }
    const input = parsed.data;
    if (!this.jurisdictions.has(input.jurisdiction)) return this.refuse(raw, 'jurisdiction', `jurisdiction ${input.jurisdiction} is not declared`);
    const checked = this.checkValue(input.value);
    if (!checked.ok) return this.refuse(raw, checked.code, checked.refused);
    const net = checked.net;

    const base = input.duration === undefined ? this.limits.defaultDuration : typeof input.duration === 'number' ? input.duration : parseDuration(input.duration);
    if (base === null) return this.refuse(raw, 'duration', `duration ${String(input.duration)} is not a duration like 30m, 24h, 7d`);
    if (base < this.limits.min || base > this.limits.max)
      return this.refuse(raw, 'duration', `duration ${formatDuration(base)} is outside ${this.bl.minDuration}..${this.bl.maxDuration} (blocklist.minDuration, blocklist.maxDuration)`);

    for (let attempt = 0; ; attempt++) {
      const { match, version } = await this.allowlist.match(net, input.jurisdiction, { fresh: true });
      if (match) return this.refuse(raw, 'allowlisted', AllowlistService.describe(net.text, match), { allowlist: match });
      const now = Date.now();
      const repeat = await this.store.bansSince(input.jurisdiction, net.text, now - this.limits.lookback);
      const duration = this.escalated(base, repeat, input.escalate ?? this.bl.escalation.enabled);
      const [id] = this.store.nextIds(1, now);
      const decision: Decision = {
        id,
        value: net.text,
        scope: net.host ? 'ip' : 'range',
        jurisdiction: input.jurisdiction,
        type: 'ban',
        created: new Date(now).toISOString(),
        expires: new Date(now + duration).toISOString(),
        origin: input.origin,
        reason: input.reason,
        score: input.score,
        confidence: input.confidence ?? input.score,
        tlp: input.tlp ?? this.bl.defaultTlp,
        repeat,
        ended: null,
      };
      const out = await this.store.insert(decision, { idempotencyKey: input.idempotencyKey, allowlistVersion: version, allowlistVersionKey: this.allowlistStore.versionKey });
      if (out.kind === 'taken') {
        // A random id clash (1 in 4096 within one millisecond): draw another.
        if (attempt < 100) continue;
        throw new Error('no free decision id after 100 draws');
      }
      if (out.kind === 'stale') {
        if (attempt < STALE_RETRIES) continue;
        return this.refuse(raw, 'allowlisted', `${net.text}: the allowlist kept changing while this ban was checked; try again`);
      }
      if (out.kind !== 'ok') {
        const existing = await this.store.get(out.id);
        if (existing) return { ok: true, decision: existing, created: false };
        continue; // the record ran out of retention between the two reads; ban afresh
      }
      await this.audit.record({
        actor: input.actor,
        action: 'decision.created',
        jurisdiction: decision.jurisdiction,
        target: { type: 'decision', id },
        reason: decision.reason,
        detail: { value: decision.value, expires: decision.expires, duration: formatDuration(duration), repeat, origin: decision.origin, score: decision.score, tlp: decision.tlp, ...input.detail },
      });
      this.log.log({ decisionId: id, value: decision.value, jurisdiction: decision.jurisdiction, origin: decision.origin.type, expires: decision.expires, repeat }, 'decision created');
      // Detection's recurrence factor listens: an IP that comes back after a block scores higher. The ban stands if a listener fails.
      await this.events
        .emit('decision.created', { id, value: decision.value, scope: decision.scope, jurisdiction: decision.jurisdiction, expires: decision.expires, at: now, origin: { type: decision.origin.type, id: decision.origin.id }, tlp: decision.tlp })
        .catch((err) => this.log.warn({ err, value: decision.value }, 'decision.created not handled'));
      return { ok: true, decision, created: true };
    }
  }

  private async refuse(raw: BanInput, code: RefusalCode, refused: string, detail: Record<string, unknown> = {}): Promise<BanResult> {
    const jurisdiction = typeof raw?.jurisdiction === 'string' && this.jurisdictions.has(raw.jurisdiction) ? raw.jurisdiction : null;
    this.log.warn({ value: raw?.value, jurisdiction, origin: raw?.origin?.type, code }, `ban refused: ${refused}`);
    // Refusals of well-formed requests are part of the record (a playbook tried to block a resolver).
    if (raw?.actor && code !== 'invalid')
      await this.audit.record({ actor: raw.actor, action: 'decision.refused', jurisdiction, target: { type: 'decision-value', id: String(raw.value) }, reason: refused, detail: { code, origin: raw.origin, ...detail } });
    return { ok: false, refused, code };
  }

  /** Lift a decision before it expires. Ending one that already ended or expired is a no-op (ended: false). */
  async end(id: string, opts: { actor: AuditActor; reason: string }): Promise<EndResult> {
    const d = await this.store.get(id);
    if (!d) return { ok: false, code: 'not-found', refused: `decision ${id} does not exist` };
    if (statusOf(d) !== 'active') return { ok: true, decision: d, ended: false };
    const ended: Decision = { ...d, ended: { at: new Date().toISOString(), by: opts.actor, reason: opts.reason } };
    if (!(await this.store.end(ended))) return { ok: true, decision: (await this.store.get(id)) ?? d, ended: false };
    await this.audit.record({ actor: opts.actor, action: 'decision.ended', jurisdiction: d.jurisdiction, target: { type: 'decision', id }, reason: opts.reason, detail: { value: d.value, expires: d.expires } });
    this.log.log({ decisionId: id, value: d.value, jurisdiction: d.jurisdiction, by: opts.actor.id }, 'decision ended');
    // Learning listens (an unblock "false positive" is a benign label); the unblock stands if a listener fails.
    await this.events
      .emit('decision.ended', { id, value: d.value, scope: d.scope, jurisdiction: d.jurisdiction, reason: opts.reason, by: { type: opts.actor.type, id: opts.actor.id }, tlp: d.tlp, at: Date.now() })
      .catch((err) => this.log.warn({ err, value: d.value }, 'decision.ended not handled'));
    return { ok: true, decision: ended, ended: true };
  }

  /** Lift the active decision for exactly this value (CLI `unblock <ip>`, sharing revocations). */
  async endValue(value: string, jurisdiction: string, opts: { actor: AuditActor; reason: string }): Promise<EndResult> {
    const net = parseNet(value);
    const id = net ? await this.store.activeIdFor(jurisdiction, net.text) : null;
    if (!id) return { ok: false, code: 'not-found', refused: `no active decision for ${net?.text ?? value} in ${jurisdiction}` };
    return this.end(id, opts);
  }

  get(id: string): Promise<Decision | null> {
    return this.store.get(id);
  }

  /** The active decision for exactly this value (an address or a CIDR, canonicalized), if any. */
  async findActive(value: string, jurisdiction: string): Promise<Decision | null> {
    const net = parseNet(value);
    const id = net ? await this.store.activeIdFor(jurisdiction, net.text) : null;
    const d = id ? await this.store.get(id) : null;
    return d && statusOf(d) === 'active' ? d : null;
  }

  /** Every active decision of a jurisdiction. Feeds read the in-memory FeedCache instead. */
  async activeFor(jurisdiction: string): Promise<Decision[]> {
    const now = Date.now();
    const rows = await this.store.getMany(await this.store.activeIds(jurisdiction, now));
    return rows.filter((d): d is Decision => !!d && statusOf(d, now) === 'active');
  }

  /** Bans of a value within the escalation look-back (recurrence for detection). */
  recentBanCount(value: string, jurisdiction: string): Promise<number> {
    const net = parseNet(value);
    return net ? this.store.bansSince(jurisdiction, net.text, Date.now() - this.limits.lookback) : Promise.resolve(0);
  }

  /**
   * Decisions newest first across jurisdictions. Ids are time-ordered (decisionIds), so id order is
   * creation order. A filtered page scans at most a few thousand records and may come back short with a
   * `next` cursor: follow it.
   */
  async list(jurisdictions: string[], q: { active?: boolean; value?: string; limit: number; cursor?: string }): Promise<{ items: Decision[]; next: string | null }> {
    const now = Date.now();
    const keep = (d: Decision | null): d is Decision => !!d && (q.active === undefined || (statusOf(d, now) === 'active') === q.active);
    if (q.value) {
      const ids = (await Promise.all(jurisdictions.map((j) => this.store.historyIds(j, q.value!))))
        .flat()
        .filter((id) => !q.cursor || Number(id) < Number(q.cursor))
        .sort((a, b) => Number(b) - Number(a));
      const items = (await this.store.getMany(ids)).filter(keep);
      return { items: items.slice(0, q.limit), next: items.length > q.limit ? items[q.limit - 1].id : null };
    }
    const items: Decision[] = [];
    let before = q.cursor ?? null;
    const batch = Math.max(q.limit + 1, 200);
    for (let scanned = 0; scanned < 5000; ) {
      const perJ = await Promise.all(jurisdictions.map(async (j) => ({ j, ids: await this.store.idsBefore(j, before, batch) })));
      const merged = perJ.flatMap(({ j, ids }) => ids.map((id) => ({ j, id }))).sort((a, b) => Number(b.id) - Number(a.id)).slice(0, batch);
      if (!merged.length) return { items, next: null };
      const rows = await this.store.getMany(merged.map((m) => m.id));
      const gone = merged.filter((_, i) => !rows[i]);
      for (const j of new Set(gone.map((g) => g.j))) await this.store.forget(j, gone.filter((g) => g.j === j).map((g) => g.id));
      for (let i = 0; i < rows.length; i++) {
        const d = rows[i];
        if (!keep(d)) continue;
        items.push(d);
        if (items.length === q.limit) return { items, next: i < rows.length - 1 || merged.length === batch ? d.id : null };
      }
      scanned += merged.length;
      before = merged[merged.length - 1].id;
      if (merged.length < batch) return { items, next: null };
    }
    return { items, next: before };
  }

  /** An allowlist entry was added: end the active decisions it overlaps, in its jurisdiction's subtree (every jurisdiction for a global entry). */
  async endCoveredBy(entry: AllowlistEntry, actor: AuditActor): Promise<string[]> {
    const net = parseNet(entry.value);
    if (!net) return [];
    const scope = entry.jurisdiction ? [...this.jurisdictions.subtree(entry.jurisdiction)] : this.jurisdictions.list().map((j) => j.id);
    const ended: string[] = [];
    for (const j of scope) {
      for (const d of await this.activeFor(j)) {
        const dn = parseNet(d.value);
        if (!dn || !overlaps(dn, net)) continue;
        const r = await this.end(d.id, { actor, reason: `covered by allowlist entry ${entry.value} (${entry.reason})` });
        if (r.ok && r.ended) ended.push(d.id);
      }
    }
    if (ended.length) this.log.log({ entryId: entry.id, ended: ended.length }, 'allowlist entry ended active decisions');
    return ended;
  }
}
