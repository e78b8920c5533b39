import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { AlertsStore } from '../alerts/alerts.store';
import type { Principal } from '../auth/auth.schemas';
import { statusOf } from '../blocklist/decisions.schemas';
import { DecisionsService } from '../blocklist/decisions.service';
import { FeedCache } from '../blocklist/feeds/feed-cache';
import { DetectionService } from '../detection/detection.service';
import { DetectionStore } from '../detection/detection.store';
import { APPROVALS, type ApprovalsPort } from '../approvals/approvals.port';
import { parseWindow, type Overview } from './overview.schemas';

/**
 * What the overview asks of the approvals service, when the playbooks domain provides one under
 * APPROVALS. Without `countPending` the count is null (the dashboard then counts the list itself).
 */
export interface PendingApprovalsCounter {
  countPending(jurisdictions: string[]): Promise<number>;
}

/** Newest alerts of the window read for top rules, countries, targets and the event-time chart (the counters give the exact totals). */
export const OVERVIEW_SAMPLE = 2000;
/** Newest block decisions shown. */
const RECENT_DECISIONS = 5;
/** Flag log entries scanned for the flagged count (newest first). */
const FLAG_LOG_SCAN = 2000;
/** Answers are reused this long for the same jurisdictions and window (a wall of dashboards polling). */
const CACHE_MS = 2000;

type Body = Omit<Overview, 'key'>;

/**
 * Assembles the overview from each domain's own service. Every domain but alerts is optional:
 * a module that is not loaded, or a piece that fails, gives null rather than an error.
 */
@Injectable()
export class OverviewService {
  private readonly log = new Logger('overview');
  private readonly cache = new Map<string, { at: number; body: Promise<Body> }>();

  constructor(
    private readonly alerts: AlertsStore,
    @Optional() @Inject(DetectionStore) private readonly detectionStore?: DetectionStore,
    @Optional() @Inject(DetectionService) private readonly detection?: DetectionService,
    @Optional() @Inject(FeedCache) private readonly feeds?: FeedCache,
    @Optional() @Inject(DecisionsService) private readonly decisions?: DecisionsService,
    @Optional() @Inject(APPROVALS) private readonly approvals?: ApprovalsPort & Partial<PendingApprovalsCounter>,
  ) {}

  async overview(who: Principal, jurisdictions: string[], window: string, now = Date.now()): Promise<Overview> {
    const key = `${[...jurisdictions].sort().join(',')}|${window}`;
    for (const [k, v] of this.cache) if (now - v.at > CACHE_MS) this.cache.delete(k);
    let hit = this.cache.get(key);
    if (!hit) {
      hit = { at: now, body: this.build(jurisdictions, window, now) };
      this.cache.set(key, hit);
      hit.body.catch(() => this.cache.delete(key));
    }
    return { key: { id: who.keyId, role: who.role, jurisdiction: who.jurisdiction }, ...(await hit.body) };
  }

  private async build(jurisdictions: string[], window: string, now: number): Promise<Body> {
    const windowMs = parseWindow(window)!;
    const untilMs = (Math.floor(now / 60_000) + 1) * 60_000;
    const sinceMs = untilMs - windowMs;
    const [perMinute, flagged, activeDecisions, pendingApprovals, recentDecisions, { byEventTime, ...sampled }] = await Promise.all([
      this.alerts.perMinute(jurisdictions, sinceMs, untilMs),
      this.piece('flagged', () => this.flagged(jurisdictions, sinceMs)),
      this.piece('activeDecisions', () => this.activeDecisions(jurisdictions)),
      this.piece('pendingApprovals', () => (this.approvals?.countPending ? this.approvals.countPending(jurisdictions) : Promise.resolve(null))),
      this.piece('recentDecisions', () => this.recentDecisions(jurisdictions, now)),
      this.sample(jurisdictions, sinceMs, untilMs),
    ]);
    return {
      generatedAt: new Date(now).toISOString(),
      window,
      since: new Date(sinceMs).toISOString(),
      until: new Date(untilMs).toISOString(),
      jurisdictions,
      alerts: {
        total: Object.values(perMinute.byJurisdiction).reduce((a, b) => a + b, 0),
        byJurisdiction: perMinute.byJurisdiction,
        perMinute: perMinute.minutes.map((m) => ({ t: new Date(m.minute).toISOString(), count: m.count })),
        byEventTime,
      },
      flagged,
      activeDecisions,
      recentDecisions,
      pendingApprovals,
      ...sampled,
    };
  }

  /** A piece owned by another domain: its failure is logged and shown as null. */
  private async piece<T>(name: string, get: () => Promise<T | null>): Promise<T | null> {
    try {
      return await get();
    } catch (err) {
      this.log.warn({ err, piece: name }, 'overview piece unavailable');
      return null;
    }
  }

  /** Distinct IPs flagged since `sinceMs` that a covered jurisdiction reported (from detection's flag log). */
  private async flagged(jurisdictions: string[], sinceMs: number): Promise<Overview['flagged']> {
    if (!this.detectionStore) return null;
    const covered = new Set(jurisdictions);
    const byIp = new Map<string, { ip: string; score: number; flaggedAt: string; jurisdictions: string[] }>();
    for (const raw of await this.detectionStore.recentFlags(FLAG_LOG_SCAN)) {
      const f = raw as { ip?: string; score?: number; flaggedAt?: string; jurisdictions?: string[] };
      if (typeof f.ip !== 'string' || typeof f.flaggedAt !== 'string') continue;
      if (Date.parse(f.flaggedAt) < sinceMs) break; // newest first
      const seen = (f.jurisdictions ?? []).filter((j) => covered.has(j));
      if (!seen.length || byIp.has(f.ip)) continue;
      byIp.set(f.ip, { ip: f.ip, score: Number(f.score ?? 0), flaggedAt: f.flaggedAt, jurisdictions: seen });
    }
    return { total: byIp.size, recent: [...byIp.values()].slice(0, 10) };
  }

  private async activeDecisions(jurisdictions: string[]): Promise<Overview['activeDecisions']> {
    let counts: number[];
    if (this.feeds) counts = await Promise.all(jurisdictions.map(async (j) => (await this.feeds!.snapshot(j)).active.length));
    else if (this.decisions) counts = await Promise.all(jurisdictions.map(async (j) => (await this.decisions!.activeFor(j)).length));
    else return null;
    return { total: counts.reduce((a, b) => a + b, 0), byJurisdiction: Object.fromEntries(jurisdictions.map((j, i) => [j, counts[i]])) };
  }

  private async recentDecisions(jurisdictions: string[], now: number): Promise<Overview['recentDecisions']> {
    if (!this.decisions) return null;
    const page = await this.decisions.list(jurisdictions, { limit: RECENT_DECISIONS });
    return page.items.map((d) => ({ id: d.id, value: d.value, jurisdiction: d.jurisdiction, created: d.created, expires: d.expires, status: statusOf(d, now), origin: d.origin.type, reason: d.reason }));
  }

  /** Top rules, source countries, targets and the event-time chart from the newest alerts of the window. */
  private async sample(
    jurisdictions: string[],
    sinceMs: number,
    untilMs: number,
  ): Promise<Pick<Overview, 'topRules' | 'topCountries' | 'sample' | 'targets'> & { byEventTime: Overview['alerts']['byEventTime'] }> {
    const page = await this.alerts.list(jurisdictions, { since: new Date(sinceMs).toISOString(), until: new Date(untilMs).toISOString(), limit: OVERVIEW_SAMPLE });
    const rules = new Map<string, { id: string | null; name: string | null; count: number }>();
    const ips = new Map<string, number>();
    const hosts = new Map<string, number>();
    const services = new Map<string, { port: number; transport: string | null; count: number }>();
    const minutes = Math.round((untilMs - sinceMs) / 60_000);
    const bySeverity = new Map<number, number[]>();
    let outside = 0;
    for (const a of page.items) {
      const k = `${a.rule.id ?? ''}\u0000${a.rule.name ?? ''}`;
      const r = rules.get(k) ?? rules.set(k, { id: a.rule.id, name: a.rule.name, count: 0 }).get(k)!;
      r.count++;
      ips.set(a.source.ip, (ips.get(a.source.ip) ?? 0) + 1);
      if (a.destination.ip) hosts.set(a.destination.ip, (hosts.get(a.destination.ip) ?? 0) + 1);
      if (a.destination.port != null) {
        const sk = `${a.destination.port}/${a.transport ?? ''}`;
        (services.get(sk) ?? services.set(sk, { port: a.destination.port, transport: a.transport, count: 0 }).get(sk)!).count++;
      }
      const m = Math.floor((Date.parse(a.timestamp) - sinceMs) / 60_000);
      if (!(m >= 0 && m < minutes)) outside++;
      else (bySeverity.get(a.severity.id) ?? bySeverity.set(a.severity.id, new Array<number>(minutes).fill(0)).get(a.severity.id)!)[m]++;
    }
    let topCountries: Overview['topCountries'] = null;
    if (this.detection) {
      const countries = new Map<string, number>();
      try {
        for (const [ip, n] of ips) {
          const c = this.detection.lookup(ip).country;
          if (c) countries.set(c, (countries.get(c) ?? 0) + n);
        }
        topCountries = [...countries].map(([country, count]) => ({ country, count })).sort((a, b) => b.count - a.count || a.country.localeCompare(b.country)).slice(0, 10);
      } catch (err) {
        this.log.warn({ err }, 'country lookup failed');
      }
    }
    return {
      topRules: [...rules.values()].sort((a, b) => b.count - a.count || String(a.name).localeCompare(String(b.name))).slice(0, 10),
      topCountries,
      sample: { alerts: page.items.length, complete: page.next === null },
      targets: {
        hosts: [...hosts].map(([ip, count]) => ({ ip, count })).sort((a, b) => b.count - a.count || a.ip.localeCompare(b.ip)).slice(0, 10),
        services: [...services.values()].sort((a, b) => b.count - a.count || a.port - b.port).slice(0, 10),
      },
      byEventTime: {
        minutes: Array.from({ length: minutes }, (_, i) => new Date(sinceMs + i * 60_000).toISOString()),
        series: [...bySeverity].sort((a, b) => a[0] - b[0]).map(([severity, counts]) => ({ severity, counts })),
        outside,
      },
    };
  }
}
