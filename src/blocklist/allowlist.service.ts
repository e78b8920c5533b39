import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { AuditService } from '../audit/audit.service';
import type { AuditActor } from '../audit/audit.schemas';
import { CONFIG } from '../infra/config/config.module';
import type { GwanjeConfig } from '../infra/config/config.schema';
import { Invalid, NotFound, Refused } from '../contracts/errors';
import { JurisdictionsService } from '../jurisdictions/jurisdictions.service';
import { BUNDLED_NEVER_BLOCK } from './allowlist.bundled';
import type { AllowlistLookup } from './allowlist.port';
import type { AllowlistEntry, AllowlistMatch } from './allowlist.schemas';
import { AllowlistStore } from './allowlist.store';
import { mustParseNet, overlaps, parseNet, type IpNet } from '../contracts/net';

interface Compiled {
  match: AllowlistMatch;
  net: IpNet;
  expiresMs: number;
  /** People's entries: the jurisdiction whose subtree they cover (null: global). */
  jurisdiction: string | null;
}

/** Called after an entry is stored; returns ids of decisions it ended (the decisions service ends what the entry covers). */
export type AllowlistAddedHook = (entry: AllowlistEntry, actor: AuditActor) => Promise<string[]>;

export interface AddAllowlistInput {
  value: string;
  /** null: global. */
  jurisdiction: string | null;
  reason: string;
  expires: string | null;
  actor: AuditActor;
}

/** How long check() (the detection port, called per flagged IP) may use entries without asking Redis for the version. */
const LOOKUP_STALE_MS = 1000;

/**
 * Never-block lists: people's entries (global or per jurisdiction, covering the jurisdiction and
 * everything below it), every jurisdiction's own networks from config, and the bundled ranges.
 * A value is refused when it overlaps any of them (either contains the other).
 */
@Injectable()
export class AllowlistService implements AllowlistLookup {
  private readonly log = new Logger('allowlist');
  private readonly fixed: Compiled[];
  private cache: { version: string; compiled: Compiled[]; entries: AllowlistEntry[]; checkedAt: number } | null = null;
  private loading: Promise<NonNullable<AllowlistService['cache']>> | null = null;
  private readonly addedHooks: AllowlistAddedHook[] = [];

  constructor(
    private readonly store: AllowlistStore,
    private readonly jurisdictions: JurisdictionsService,
    private readonly audit: AuditService,
    @Inject(CONFIG) config: GwanjeConfig,
  ) {
    const own: Compiled[] = config.jurisdictions.flatMap((j) =>
      j.cidrs.map((c) => ({ net: mustParseNet(c), expiresMs: Infinity, jurisdiction: null, match: { source: 'jurisdiction' as const, value: mustParseNet(c).text, reason: `own network of ${j.id}`, id: null, jurisdiction: j.id } })),
    );
    const bundled: Compiled[] = BUNDLED_NEVER_BLOCK.map((b) => ({ net: mustParseNet(b.value), expiresMs: Infinity, jurisdiction: null, match: { source: 'bundled' as const, value: mustParseNet(b.value).text, reason: b.reason, id: null, jurisdiction: null } }));
    this.fixed = [...own, ...bundled];
  }

  onAdded(hook: AllowlistAddedHook) {
    this.addedHooks.push(hook);
  }

  /** The version the entries belong to; `fresh` asks Redis (one GET) instead of trusting the last second. */
  private async current(fresh: boolean) {
    const c = this.cache;
    if (c && !fresh && Date.now() - c.checkedAt < LOOKUP_STALE_MS) return c;
    if (c) {
      const version = await this.store.version();
      if (version === c.version) {
        c.checkedAt = Date.now();
        return c;
      }
    }
    return (this.loading ??= this.load().finally(() => (this.loading = null)));
  }

  private async load() {
    const { version, entries } = await this.store.all();
    const compiled: Compiled[] = [];
    for (const e of entries) {
      const net = parseNet(e.value);
      if (!net) continue;
      compiled.push({ net, expiresMs: e.expires ? Date.parse(e.expires) : Infinity, jurisdiction: e.jurisdiction, match: { source: 'allowlist', value: e.value, reason: e.reason, id: e.id, jurisdiction: e.jurisdiction } });
    }
    // Most specific first: the jurisdiction's own entries, then its ancestors', then global ones.
    compiled.sort((a, b) => Number(a.jurisdiction === null) - Number(b.jurisdiction === null));
    this.cache = { version, compiled, entries, checkedAt: Date.now() };
    return this.cache;
  }

  private applies(c: Compiled, jurisdiction: string, lineage: Set<string>, now: number) {
    return c.expiresMs > now && (c.jurisdiction === null || lineage.has(c.jurisdiction));
  }

  /**
   * The first never-block entry the network overlaps in this jurisdiction, and the allowlist
   * version checked (a ban passes it to its write so a concurrent allowlist change is noticed).
   */
  async match(net: IpNet, jurisdiction: string, opts: { fresh?: boolean } = {}): Promise<{ match: AllowlistMatch | null; version: string }> {
    const c = await this.current(opts.fresh ?? true);
    const now = Date.now();
    const lineage = new Set([jurisdiction, ...(this.jurisdictions.has(jurisdiction) ? this.jurisdictions.ancestors(jurisdiction) : [])]);
    for (const e of c.compiled) if (this.applies(e, jurisdiction, lineage, now) && overlaps(e.net, net)) return { match: e.match, version: c.version };
    for (const e of this.fixed) if (overlaps(e.net, net)) return { match: e.match, version: c.version };
    return { match: null, version: c.version };
  }

  /** "203.0.113.0/24 overlaps allowlist entry 203.0.113.7 (partner SOC)". */
  static describe(value: string, m: AllowlistMatch): string {
    const what = m.source === 'bundled' ? 'never-block range' : m.source === 'jurisdiction' ? 'jurisdiction network' : 'allowlist entry';
    return `${value} overlaps ${what} ${m.value} (${m.reason})`;
  }

  /** The detection port: may use entries up to a second old. */
  async check(ip: string, jurisdiction: string): Promise<{ allowlisted: boolean; reason: string | null }> {
    const net = parseNet(ip);
    if (!net) return { allowlisted: false, reason: null };
    const { match } = await this.match(net, jurisdiction, { fresh: false });
    return match ? { allowlisted: true, reason: AllowlistService.describe(net.text, match) } : { allowlisted: false, reason: null };
  }

  /** People's entries that apply in any of the jurisdictions (plus global ones); expired ones are left out. */
  async list(jurisdictions: Set<string> | null): Promise<AllowlistEntry[]> {
    const now = Date.now();
    const { entries } = await this.current(true);
    return entries
      .filter((e) => !e.expires || Date.parse(e.expires) > now)
      .filter((e) => e.jurisdiction === null || !jurisdictions || jurisdictions.has(e.jurisdiction))
      .sort((a, b) => a.created.localeCompare(b.created));
  }

  /** Bundled ranges and jurisdictions' own networks, for display. */
  fixedEntries(): AllowlistMatch[] {
    return this.fixed.map((f) => f.match);
  }

  async add(input: AddAllowlistInput): Promise<{ entry: AllowlistEntry; ended: string[] }> {
    const net = parseNet(input.value);
    if (!net) throw new Invalid(`value: ${input.value} is not an IP address or CIDR`);
    if (net.prefix === 0) throw new Refused(`value: ${net.text} would allowlist every address and turn blocking off`);
    if (input.jurisdiction !== null && !this.jurisdictions.has(input.jurisdiction)) throw new Invalid(`jurisdiction: ${input.jurisdiction} is not declared`);
    if (input.expires !== null && !(Date.parse(input.expires) > Date.now())) throw new Invalid(`expires: ${input.expires} is not a time in the future`);
    const entry: AllowlistEntry = {
      id: `al_${randomBytes(6).toString('hex')}`,
      value: net.text,
      jurisdiction: input.jurisdiction,
      reason: input.reason,
      created: new Date().toISOString(),
      createdBy: input.actor.id,
      expires: input.expires ? new Date(input.expires).toISOString() : null,
    };
    await this.store.save(entry);
    this.cache = null;
    await this.audit.record({ actor: input.actor, action: 'allowlist.added', jurisdiction: entry.jurisdiction, target: { type: 'allowlist-entry', id: entry.id }, reason: entry.reason, detail: { value: entry.value, expires: entry.expires, global: entry.jurisdiction === null } });
    this.log.log({ entryId: entry.id, value: entry.value, jurisdiction: entry.jurisdiction }, 'allowlist entry added');
    const ended: string[] = [];
    for (const hook of this.addedHooks) ended.push(...(await hook(entry, input.actor)));
    return { entry, ended };
  }

  async get(id: string): Promise<AllowlistEntry> {
    const entry = await this.store.get(id);
    if (!entry) throw new NotFound(`allowlist entry ${id} does not exist`);
    return entry;
  }

  async remove(id: string, opts: { actor: AuditActor; reason: string }): Promise<AllowlistEntry> {
    const entry = await this.get(id);
    await this.store.remove(id);
    this.cache = null;
    await this.audit.record({ actor: opts.actor, action: 'allowlist.removed', jurisdiction: entry.jurisdiction, target: { type: 'allowlist-entry', id }, reason: opts.reason, detail: { value: entry.value } });
    this.log.log({ entryId: id, value: entry.value, jurisdiction: entry.jurisdiction }, 'allowlist entry removed');
    return entry;
  }
}
