import { Inject, Injectable, Logger, Optional, type OnApplicationBootstrap } from '@nestjs/common';
import { Counter, Histogram } from 'prom-client';
import { AuditService } from '../audit/audit.service';
import { ALLOWLIST, type AllowlistLookup } from '../blocklist/allowlist.port';
import { CONFIG } from '../infra/config/config.module';
import type { GwanjeConfig } from '../infra/config/config.schema';
import { MetricsService } from '../infra/metrics/metrics.service';
import { QueuesService } from '../infra/queues/queues.service';
import { parseNet } from '../contracts/net';
import type { NormalizedAlert } from '../contracts/alert';
import { DetectionStore, type GroupCommit, type GroupRead, type GroupUpdate } from './detection.store';
import { NO_GEO, packagedGeoDb, type GeoDb } from './enrichment/geo';
import { AlertContext, valueOf, type CompiledRule, type GeoInfo } from './rules/matcher';
import { DetectionRulesService } from './rules/rules.service';
import { decideFlag, halfLifeMs, rankFloor, rankKey, scoreState, type Scored } from './scoring/scorer';
import { ScoreFactorHooks } from './scoring/factor-hooks';
import { encodeRuleRecord, parseState, RULE_NAME_MAX, type IpState, type RuleRecord } from './scoring/state';
import { evalEventCount, evalValueCount, type WindowEvent } from './scoring/windows';
import { ThreatFlaggedJob, threatFlaggedJobId, type ThreatFlaggedPayload } from '../contracts/jobs';

/** The clock detection uses for wall time (tests inject their own). */
export const DETECTION_CLOCK = Symbol('DETECTION_CLOCK');
export type Clock = () => number;

/** Event times later than receive time + this are clamped: a sensor clock in the future must not stretch windows. */
const MAX_FUTURE_MS = 5 * 60_000;

/** 32-bit FNV-1a as 8 hex digits: distinct values are kept as hashes (fixed width, no separators). */
export function hash8(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}

/** A prefix is flagged only once it spans this many addresses: with one, it is that address's evidence again. */
const PREFIX_MIN_ADDRESSES = 2;

/** The `bits` network of an IPv6 source ("2001:db8:1:2::/64"); null for IPv4 or when `bits` is 0 (off). */
export function ipv6PrefixOf(ip: string, bits: number): string | null {
  if (!bits || !ip.includes(':')) return null;
  return parseNet(`${ip}/${bits}`)?.text ?? null;
}

export function eventTime(a: NormalizedAlert): number {
  const received = Date.parse(a.received);
  const ts = Date.parse(a.timestamp);
  if (!Number.isFinite(ts)) return received;
  return Math.min(ts, received + MAX_FUTURE_MS);
}

interface Item {
  a: NormalizedAlert;
  ts: number;
  geo: GeoInfo | null;
  matched: CompiledRule[];
}

interface Group {
  /** An address, or an IPv6 prefix CIDR (its member addresses' alerts together). */
  ip: string;
  prefix: boolean;
  scope: string;
  items: Item[];
  /** Correlation rules in request order, matching GroupUpdate.windows. */
  windowRules: CompiledRule[];
}

export interface ChunkOutcome {
  scored: Array<{ ip: string; scope: string; score: number }>;
  flagged: ThreatFlaggedPayload[];
}

/**
 * Scores source IPs as alerts are stored (an ALERT_SINK of the ingest worker). Per chunk: match
 * rules in memory, merge per-IP aggregates into Redis (one Lua call), evaluate windows and score
 * in memory, commit firings, ranks and flags (one Lua call), then queue `threat.flagged` jobs.
 * Every IP is scored twice: in the federation scope `*` (flags, hub views; this is where an IP
 * working several jurisdictions at a low rate each adds up) and in its jurisdiction's own scope
 * (what that jurisdiction's analysts may see). An IPv6 source also feeds its detection.ipv6Prefix
 * network, scored and flagged like an IP, so an attacker rotating through a /64 adds up.
 */
@Injectable()
export class DetectionService implements OnApplicationBootstrap {
  private readonly log = new Logger('detection');
  private geoDb: GeoDb | null = null;
  private readonly geoCache = new Map<string, GeoInfo>();
  private readonly flags: Counter<'reason'>;
  private readonly chunkSeconds: Histogram;

  constructor(
    @Inject(CONFIG) private readonly config: GwanjeConfig,
    private readonly store: DetectionStore,
    private readonly rules: DetectionRulesService,
    private readonly queues: QueuesService,
    private readonly audit: AuditService,
    metrics: MetricsService,
    @Optional() @Inject(ALLOWLIST) private readonly allowlist?: AllowlistLookup,
    @Optional() @Inject(DETECTION_CLOCK) private readonly clock: Clock = Date.now,
    @Optional() private readonly hooks?: ScoreFactorHooks,
  ) {
    this.flags = new Counter({ name: 'gwanje_detection_flags_total', help: 'IPs flagged (threat.flagged queued), by reason', labelNames: ['reason'] as const, registers: [metrics.registry] });
    this.chunkSeconds = new Histogram({ name: 'gwanje_detection_chunk_seconds', help: 'Time to score one stored chunk', registers: [metrics.registry], buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1] });
  }

  onApplicationBootstrap() {
    // Workers load the enrichment data up front so the first chunk does not pay for it.
    if (this.config.role !== 'api' && this.config.detection.enabled) this.geo();
  }

  private geo(): GeoDb {
    if (this.geoDb) return this.geoDb;
    if (!this.config.detection.enrichment) return (this.geoDb = NO_GEO);
    try {
      this.geoDb = packagedGeoDb();
    } catch (err) {
      this.log.error({ err }, 'enrichment data could not be loaded; country and AS are unknown');
      this.geoDb = NO_GEO;
    }
    return this.geoDb;
  }

  lookup(ip: string): GeoInfo {
    let g = this.geoCache.get(ip);
    if (!g) {
      if (this.geoCache.size >= 100_000) this.geoCache.clear();
      g = this.geo().lookup(ip);
      this.geoCache.set(ip, g);
    }
    return g;
  }

  /** Record that an IP was blocked (called by the block-list): feeds the recurrence factor. */
  async recordBlock(ip: string, opts: { jurisdiction?: string | null; at?: number } = {}): Promise<number> {
    return this.store.recordBlock(ip, opts.jurisdiction ?? null, opts.at ?? this.clock());
  }

  async onStored(alerts: NormalizedAlert[], job: { batchId: string; chunk: number; chunkId: string }): Promise<void> {
    if (!this.config.detection.enabled || !alerts.length) return;
    const end = this.chunkSeconds.startTimer();
    try {
      await this.scoreChunk(alerts, true, job.chunkId);
    } catch (err) {
      this.log.error({ err, batchId: job.batchId, chunk: job.chunk }, 'scoring failed');
      throw err;
    } finally {
      end();
    }
  }

  /**
   * Score a chunk of newly stored alerts; returns what was scored and flagged (for tests and the
   * bench). `countScored`: add them to the deployment's ingest `scored` total (the ingest path only).
   * `chunkId` (ingest): score that chunk once however often it is offered: a retry after a crash
   * between the two Lua calls re-reads instead of merging again, one after the commit does nothing.
   */
  async scoreChunk(alerts: NormalizedAlert[], countScored = false, chunkId = ''): Promise<ChunkOutcome> {
    const d = this.config.detection;
    const set = this.rules.current();
    const groups = new Map<string, Group>();
    for (const a of alerts) {
      const geo = this.lookup(a.source.ip);
      const ctx = new AlertContext(a, geo);
      const matched: CompiledRule[] = [];
      for (const r of set.rules) {
        if (r.jurisdictions && !r.jurisdictions.has(a.jurisdiction)) continue;
        try {
          if (r.test(ctx)) matched.push(r);
        } catch (err) {
          this.log.warn({ err, rule: r.id, alert: a.id }, 'rule failed on an alert');
        }
      }
      const item: Item = { a, ts: eventTime(a), geo, matched };
      const prefix = ipv6PrefixOf(a.source.ip, d.ipv6Prefix);
      for (const ip of prefix ? [a.source.ip, prefix] : [a.source.ip])
        for (const scope of ['*', a.jurisdiction]) {
          const key = `${scope}\0${ip}`;
          let g = groups.get(key);
          if (!g) groups.set(key, (g = { ip, prefix: ip === prefix, scope, items: [], windowRules: [] }));
          g.items.push(item);
        }
    }
    const list = [...groups.values()];
    const updates = list.map((g) => this.aggregate(g));
    const reads = await this.store.update(updates, chunkId);
    if (!reads) return { scored: [], flagged: [] }; // this chunk was scored and committed before

    const commits: GroupCommit[] = [];
    const candidates = new Map<string, { g: Group; state: IpState; scored: Scored; fired: string[]; deciding: Item; threshold: number; reason: 'threshold' | 'rule' | 'rise' }>();
    const scored: ChunkOutcome['scored'] = [];
    list.forEach((g, i) => {
      const { state, records, fired, deciding } = this.evaluate(g, reads[i]);
      const recurrence = this.recurrenceFor(g.scope, reads[i].recurrence);
      const base = scoreState({ state, rules: set.byId, config: d, baseline: reads[i].baseline, recurrence, baselineName: g.scope === '*' ? 'federation' : 'jurisdiction', at: state.last, subject: g.ip });
      // Registered factors (learning's model; 0 points while it is in shadow).
      const result = this.hooks ? this.hooks.apply(base, { ip: g.ip, scope: g.scope, state, at: state.last }) : base;
      scored.push({ ip: g.ip, scope: g.scope, score: result.score });
      const commit: GroupCommit = {
        ip: g.ip,
        scope: g.scope,
        rules: [...records].map(([id, r]) => ({ id, record: encodeRuleRecord(r), at: r.at })),
        rank: result.raw > 0 ? rankKey(result.raw, result.scoredAt, d) : null,
      };
      if (g.scope === '*') {
        const threshold = this.thresholdFor(Object.keys(state.jurisdictions));
        const ruleFlag = fired.some((id) => set.byId.get(id)?.flag);
        const decision = decideFlag({ score: result.score, threshold, ruleFlag, previous: state.flag, step: d.reflagStep, at: result.scoredAt, halfLife: halfLifeMs(d), allowlisted: false });
        if (decision.flag && (!g.prefix || state.addresses >= PREFIX_MIN_ADDRESSES)) {
          candidates.set(g.ip, { g, state, scored: result, fired: Object.keys(state.rules), deciding, threshold, reason: decision.reason! });
          commit.flag = {
            expectedGen: state.flag?.gen ?? 0,
            score: result.score,
            at: result.scoredAt,
            log: { ip: g.ip, score: result.score, reason: decision.reason, flaggedAt: new Date(this.clock()).toISOString(), eventAt: new Date(result.scoredAt).toISOString(), decidingAlert: { id: deciding.a.id, received: deciding.a.received }, jurisdictions: Object.keys(state.jurisdictions) },
          };
        }
      }
      commits.push(commit);
    });

    // Allowlisted IPs are scored and ranked like any other, but never flagged.
    if (this.allowlist && candidates.size) {
      for (const c of commits) {
        if (!c.flag) continue;
        const cand = candidates.get(c.ip)!;
        const res = await this.allowlist.check(c.ip, cand.deciding.a.jurisdiction).catch((err) => {
          this.log.warn({ err, ip: c.ip }, 'allowlist lookup failed; not flagging');
          return { allowlisted: true, reason: 'allowlist unavailable' };
        });
        if (res.allowlisted) {
          this.log.debug({ ip: c.ip, reason: res.reason }, 'allowlisted IP not flagged');
          delete c.flag;
          candidates.delete(c.ip);
        }
      }
    }

    const won = await this.store.commit(commits, rankFloor(1, this.clock(), d), countScored ? alerts.length : 0, chunkId);
    const flagged: ThreatFlaggedPayload[] = [];
    for (const w of won) {
      const c = candidates.get(w.ip);
      if (!c) continue;
      flagged.push(this.payload(c.g, w.generation, c.reason, c.state, c.scored, c.threshold, c.deciding, w.evidence));
    }
    if (flagged.length) await this.emit(flagged);
    return { scored, flagged };
  }

  private recurrenceFor(scope: string, rec: Record<string, string>): { count: number; lastAt: number } | null {
    if (!rec.n) return null;
    const count = scope === '*' ? Number(rec.n) : Number(rec[`j:${scope}`] ?? 0);
    return count > 0 ? { count, lastAt: Number(rec.at ?? 0) } : null;
  }

  /** The lowest flag threshold among the jurisdictions that reported the IP. */
  thresholdFor(jurisdictions: string[]): number {
    const d = this.config.detection;
    const all = jurisdictions.map((j) => d.thresholds[j] ?? d.threshold);
    return all.length ? Math.min(...all) : d.threshold;
  }

  /** A group's aggregate for the update script (and the correlation rules its windows belong to). */
  private aggregate(g: Group): GroupUpdate {
    const d = this.config.detection;
    const tau = d.rateTauMinutes * 60_000;
    let first = Infinity;
    let last = -Infinity;
    let hi = 0;
    let allowed = 0;
    let blocked = 0;
    const js = new Map<string, number>();
    const dt = new Set<string>();
    const dp = new Set<string>();
    const ds = new Set<string>();
    const da = new Set<string>();
    const sigs = new Map<string, { key: string; count: number; name: string }>();
    const windows = new Map<string, { rule: CompiledRule; items: Map<string, number> }>();
    for (const it of g.items) {
      const a = it.a;
      first = Math.min(first, it.ts);
      last = Math.max(last, it.ts);
      if (a.severity.id >= 4) hi++;
      if (a.action.value === 'allowed') allowed++;
      else if (a.action.value === 'blocked') blocked++;
      js.set(a.jurisdiction, Math.max(js.get(a.jurisdiction) ?? 0, it.ts));
      if (a.destination.ip) dt.add(hash8(a.destination.ip));
      if (a.destination.port != null) dp.add(hash8(String(a.destination.port)));
      const sigKey = `${a.format}:${a.rule.id ?? a.rule.name ?? '?'}`.slice(0, 40);
      ds.add(hash8(sigKey));
      if (g.prefix) da.add(hash8(a.source.ip));
      const s = sigs.get(sigKey) ?? { key: sigKey, count: 0, name: (a.rule.name ?? a.rule.id ?? '').slice(0, RULE_NAME_MAX) };
      s.count++;
      sigs.set(sigKey, s);
      for (const r of it.matched) {
        if (!r.correlate) continue;
        const member = r.correlate.kind === 'event_count' ? a.id : valueOf(a, r.correlate.field);
        if (member == null) continue;
        let w = windows.get(r.id);
        if (!w) windows.set(r.id, (w = { rule: r, items: new Map() }));
        w.items.set(member, Math.max(w.items.get(member) ?? -Infinity, it.ts));
      }
    }
    const rateK = g.items.reduce((sum, it) => sum + Math.exp(-(last - it.ts) / tau), 0);
    g.windowRules = [...windows.values()].map((w) => w.rule);
    const geo = g.items[0].geo;
    let evidence: string[] = [];
    if (g.scope === '*') {
      // Matched alerts make the better evidence; pushed oldest first so the newest end up on top.
      const ordered = [...g.items.filter((i) => !i.matched.length), ...g.items.filter((i) => i.matched.length)];
      evidence = ordered.slice(-d.evidenceMax).map((i) => i.a.id);
    }
    return {
      ip: g.ip,
      scope: g.scope,
      first,
      last,
      n: g.items.length,
      rateK,
      hi,
      allowed,
      blocked,
      geo,
      jurisdictions: [...js],
      dt: [...dt].join(''),
      dp: [...dp].join(''),
      ds: [...ds].join(''),
      da: [...da].join(''),
      sigs: [...sigs.values()],
      windows: [...windows.values()].map((w) => ({
        ruleId: w.rule.id,
        kind: w.rule.correlate!.kind === 'event_count' ? 'e' : 'v',
        windowMs: w.rule.correlate!.windowMs,
        items: [...w.items],
      })),
      evidence,
    };
  }

  /** Windows and single-alert rules over the merged state: which rules fired, their records, and the deciding alert. */
  private evaluate(g: Group, read: GroupRead): { state: IpState; records: Map<string, RuleRecord>; fired: string[]; deciding: Item } {
    const state = parseState(read.hash)!;
    const records = new Map<string, RuleRecord>();
    let deciding: { item: Item; ts: number } | null = null;
    const consider = (item: Item) => {
      if (!deciding || item.ts < deciding.ts) deciding = { item, ts: item.ts };
    };
    const byId = new Map(g.items.map((i) => [i.a.id, i]));
    g.windowRules.forEach((rule, k) => {
      const corr = rule.correlate!;
      const mine = g.items.filter((i) => i.matched.includes(rule));
      const events: WindowEvent[] = mine.map((i) => ({ ts: i.ts, id: i.a.id }));
      const entries = read.windows[k] ?? [];
      const firing =
        corr.kind === 'event_count'
          ? evalEventCount(
              entries.map(([, t]) => t),
              events,
              corr.windowMs,
              corr.min,
            )
          : evalValueCount(new Map(entries), events, corr.windowMs, corr.min);
      if (!firing) return;
      records.set(rule.id, { at: firing.lastTs, value: firing.count });
      consider(byId.get(firing.first.id)!);
    });
    const singles = new Map<string, Item[]>();
    for (const it of g.items) for (const r of it.matched) if (!r.correlate) (singles.get(r.id) ?? singles.set(r.id, []).get(r.id)!).push(it);
    for (const [id, items] of singles) {
      const lastItem = items.reduce((a, b) => (b.ts >= a.ts ? b : a));
      const prev = state.rules[id];
      records.set(id, { at: lastItem.ts, value: (prev?.value ?? 0) + items.length, name: lastItem.a.rule.name ?? lastItem.a.rule.id ?? undefined });
      consider(items.reduce((a, b) => (b.ts < a.ts ? b : a)));
    }
    for (const [id, r] of records) if (!state.rules[id] || r.at >= state.rules[id].at) state.rules[id] = r;
    const fallback = g.items.reduce((a, b) => (b.ts >= a.ts ? b : a));
    return { state, records, fired: [...records.keys()], deciding: (deciding as { item: Item } | null)?.item ?? fallback };
  }

  private payload(g: Group, generation: number, reason: 'threshold' | 'rule' | 'rise', state: IpState, scored: Scored, threshold: number, deciding: Item, evidence: string[]): ThreatFlaggedPayload {
    return {
      ip: g.ip,
      ...(g.prefix ? { kind: 'prefix' as const, prefix: Number(g.ip.slice(g.ip.indexOf('/') + 1)), addresses: state.addresses } : {}),
      generation,
      reason,
      score: scored.score,
      threshold,
      contributions: scored.contributions,
      rules: Object.keys(state.rules).filter((id) => this.rules.current().byId.has(id)),
      firstSeen: new Date(state.first).toISOString(),
      lastSeen: new Date(state.last).toISOString(),
      flaggedAt: new Date(this.clock()).toISOString(),
      jurisdictions: Object.keys(state.jurisdictions).sort(),
      evidence: evidence.slice(0, this.config.detection.evidenceMax),
      decidingAlert: { id: deciding.a.id, jurisdiction: deciding.a.jurisdiction, timestamp: deciding.a.timestamp, received: deciding.a.received },
      country: state.geo?.country ?? deciding.geo?.country ?? null,
      asn: state.geo?.asn != null ? { number: state.geo.asn, org: state.geo.org } : null,
      alertCount: state.n,
    };
  }

  /** Queue the flags for the playbook engine (job id per ip and generation) and write them to the audit trail. */
  private async emit(flagged: ThreatFlaggedPayload[]) {
    await this.queues.enqueueBulk(ThreatFlaggedJob, flagged.map((f) => ({ data: f, opts: { jobId: threatFlaggedJobId(f.ip, f.generation) } })));
    for (const f of flagged) {
      this.flags.inc({ reason: f.reason });
      this.log.log({ ip: f.ip, score: f.score, generation: f.generation, reason: f.reason, jurisdictions: f.jurisdictions }, 'threat flagged');
      await this.audit
        .record({
          actor: { type: 'system', id: 'detection' },
          action: 'threat.flagged',
          jurisdiction: null,
          target: { type: f.kind === 'prefix' ? 'prefix' : 'ip', id: f.ip },
          reason: f.contributions
            .slice(0, 3)
            .map((c) => c.detail)
            .join('; '),
          detail: { score: f.score, generation: f.generation, reason: f.reason, jurisdictions: f.jurisdictions, decidingAlert: f.decidingAlert.id },
        })
        .catch((err) => this.log.warn({ err, ip: f.ip }, 'flag not written to the audit trail'));
    }
  }
}
