import { Inject, Injectable, Optional } from '@nestjs/common';
import { AlertsStore } from '../alerts/alerts.store';
import { ALLOWLIST, type AllowlistLookup } from '../blocklist/allowlist.port';
import { DecisionsService } from '../blocklist/decisions.service';
import { CONFIG } from '../infra/config/config.module';
import type { GwanjeConfig } from '../infra/config/config.schema';
import { DetectionStore } from './detection.store';
import { DETECTION_CLOCK, type Clock } from './detection.service';
import { DetectionRulesService } from './rules/rules.service';
import { rankFloor, scoreState } from './scoring/scorer';
import { ScoreFactorHooks } from './scoring/factor-hooks';
import { mergeStates, parseState, type IpState } from './scoring/state';
import { THREATS_SCAN_MAX, type IpProfile, type ThreatSummary } from './threats.schemas';

/**
 * Extension point of the IP profile: other domains add a section (the block-list adds `decisions`).
 * Provide an array under this token; each entry's answer appears as `extensions[name]`.
 */
export const IP_PROFILE_EXTENSIONS = Symbol('IP_PROFILE_EXTENSIONS');
export interface IpProfileExtension {
  name: string;
  /** `jurisdictions`: what the caller may see; answer only from those. */
  describe(ip: string, jurisdictions: string[]): Promise<unknown>;
}

interface View {
  ip: string;
  state: IpState;
  federation: boolean;
  baseline: { logRate: number; n: number } | null;
  recurrence: { count: number; lastAt: number } | null;
  /** Federation-level facts every reader of the IP may see: its flag and the threshold that applies. */
  fed: { flag: IpState['flag']; threshold: number };
  /** Visible jurisdictions where a block of the IP was recorded (where an active one may be). */
  blockedCandidates: string[];
}

/**
 * Threat views for a reader that sees some jurisdictions: an IP reported only by visible
 * jurisdictions is shown from the federation state (exact cross-jurisdiction correlation); an IP
 * also reported elsewhere is shown from the visible jurisdictions' own states only, merged, so
 * nothing another jurisdiction's sensors saw leaks into the view.
 */
@Injectable()
export class ThreatViewsService {
  constructor(
    @Inject(CONFIG) private readonly config: GwanjeConfig,
    private readonly store: DetectionStore,
    private readonly rules: DetectionRulesService,
    private readonly alerts: AlertsStore,
    @Optional() @Inject(ALLOWLIST) private readonly allowlist?: AllowlistLookup,
    @Optional() @Inject(IP_PROFILE_EXTENSIONS) private readonly extensions: IpProfileExtension[] = [],
    @Optional() @Inject(DETECTION_CLOCK) private readonly clock: Clock = Date.now,
    @Optional() private readonly decisions?: DecisionsService,
    @Optional() private readonly hooks?: ScoreFactorHooks,
  ) {}

  /** The lowest flag threshold among the jurisdictions that reported the IP (as detection flags it). */
  private thresholdFor(jurisdictions: string[]): number {
    const d = this.config.detection;
    return jurisdictions.length ? Math.min(...jurisdictions.map((j) => d.thresholds[j] ?? d.threshold)) : d.threshold;
  }

  /** Of `jurisdictions`, those with an active block decision on exactly this address. */
  private async blockedIn(ip: string, jurisdictions: string[]): Promise<string[]> {
    if (!this.decisions || !jurisdictions.length) return [];
    const active = await Promise.all(jurisdictions.map((j) => this.decisions!.findActive(ip, j).catch(() => null)));
    return jurisdictions.filter((_, i) => active[i]).sort();
  }

  /** Views of many IPs for a reader who sees `visible`; IPs the reader cannot see are left out. */
  async views(ips: string[], visible: Set<string>): Promise<View[]> {
    const globals = await this.store.statesMany(ips.map((ip) => [ip, '*']));
    const out: Array<View | null> = [];
    const partial: Array<{ idx: number; ip: string; scopes: string[] }> = [];
    const rec = await this.store.recurrenceMany(ips);
    const fedBaseline = (await this.store.baselines(['*'])).get('*') ?? null;
    const fed: View['fed'][] = [];
    const candidates: string[][] = [];
    ips.forEach((ip, i) => {
      const g = globals[i] ? parseState(globals[i]) : null;
      if (!g) return out.push(null);
      const seen = Object.keys(g.jurisdictions);
      const inView = seen.filter((j) => visible.has(j));
      if (!inView.length) return out.push(null);
      fed[i] = { flag: g.flag, threshold: this.thresholdFor(seen) };
      // Every recorded block counts toward recurrence (block-list → recordBlock), so these are the candidates.
      candidates[i] = Object.keys(rec[i]).flatMap((k) => (k.startsWith('j:') && visible.has(k.slice(2)) && Number(rec[i][k]) > 0 ? [k.slice(2)] : []));
      if (inView.length === seen.length) {
        const r = rec[i];
        return out.push({ ip, state: g, federation: true, baseline: fedBaseline, recurrence: r.n ? { count: Number(r.n), lastAt: Number(r.at ?? 0) } : null, fed: fed[i], blockedCandidates: candidates[i] });
      }
      partial.push({ idx: out.length, ip, scopes: inView });
      out.push(null);
    });
    if (partial.length) {
      const keys = partial.flatMap((p) => p.scopes.map((s) => [p.ip, s] as [string, string]));
      const hashes = await this.store.statesMany(keys);
      const baselines = await this.store.baselines([...new Set(keys.map(([, s]) => s))]);
      let k = 0;
      for (const p of partial) {
        const states: IpState[] = [];
        for (const _ of p.scopes) {
          const h = hashes[k++];
          const s = h ? parseState(h) : null;
          if (s) states.push(s);
        }
        if (!states.length) continue;
        const promoted: Partial<Record<'dt' | 'dp' | 'ds' | 'da', number>> = {};
        for (const f of ['dt', 'dp', 'ds', 'da'] as const) {
          const scopes = p.scopes.filter((_, i) => states[i]?.sets[f] === '#');
          if (scopes.length) promoted[f] = await this.store.promotedUnion(p.ip, scopes, f);
        }
        const merged = mergeStates(states, this.config.detection.rateTauMinutes * 60_000, promoted)!;
        // The busiest visible jurisdiction's baseline stands for the merged view.
        const busiest = p.scopes[states.indexOf(states.reduce((a, b) => (b.n > a.n ? b : a)))];
        const at = ips.indexOf(p.ip);
        const r = rec[at];
        const blocks = p.scopes.reduce((sum, s) => sum + Number(r[`j:${s}`] ?? 0), 0);
        out[p.idx] = { ip: p.ip, state: merged, federation: false, baseline: baselines.get(busiest) ?? null, recurrence: blocks ? { count: blocks, lastAt: Number(r.at ?? 0) } : null, fed: fed[at], blockedCandidates: candidates[at] };
      }
    }
    return out.filter((v): v is View => v !== null);
  }

  private summarize(v: View, now: number, blockedIn: string[]): ThreatSummary & { raw: number } {
    const base = scoreState({ state: v.state, rules: this.rules.current().byId, config: this.config.detection, baseline: v.baseline, recurrence: v.recurrence, baselineName: v.federation ? 'federation' : 'jurisdiction', at: now, subject: v.ip });
    // Registered factors (the learned model): a merged view of several jurisdictions has no one scope's model.
    const seen = Object.keys(v.state.jurisdictions);
    const scored = this.hooks ? this.hooks.apply(base, { ip: v.ip, scope: v.federation ? '*' : seen.length === 1 ? seen[0] : '', state: v.state, at: now }) : base;
    const s = v.state;
    return {
      ip: v.ip,
      score: scored.score,
      raw: scored.raw,
      contributions: scored.contributions,
      firstSeen: new Date(s.first).toISOString(),
      lastSeen: new Date(s.last).toISOString(),
      jurisdictions: Object.keys(s.jurisdictions).sort(),
      alertCount: s.n,
      flagged: v.fed.flag !== null,
      flag: v.fed.flag ? { generation: v.fed.flag.gen, score: v.fed.flag.score, at: new Date(v.fed.flag.at).toISOString() } : null,
      threshold: v.fed.threshold,
      blockedIn,
      country: s.geo?.country ?? null,
      asn: s.geo?.asn != null ? { number: s.geo.asn, org: s.geo.org } : null,
      view: v.federation ? 'federation' : 'partial',
    };
  }

  /**
   * IPs by current score for a reader who sees `visible` (all jurisdictions: the federation
   * ranking), filtered, one page of them, and how many match. The highest-ranked THREATS_SCAN_MAX
   * IPs are considered (each visible scope's ranking, merged by rank key): enough for a screen of
   * pages, bounded per request.
   */
  async threats(
    visible: string[],
    q: { min_score: number; limit: number; offset?: number; flagged?: 'true' | 'false' },
    allJurisdictions: boolean,
  ): Promise<{ items: ThreatSummary[]; scoredAt: string; total: number; totalExact: boolean; offset: number; limit: number }> {
    const now = this.clock();
    const offset = q.offset ?? 0;
    const floor = rankFloor(Math.max(q.min_score, 1), now, this.config.detection);
    const scopes = allJurisdictions ? ['*'] : visible;
    const ranked = await Promise.all(scopes.map((s) => this.store.ranked(s, floor, THREATS_SCAN_MAX + 1)));
    const best = new Map<string, number>();
    for (const r of ranked.flat()) best.set(r.ip, Math.max(best.get(r.ip) ?? -Infinity, r.key));
    const candidates = [...best].sort((a, b) => b[1] - a[1]).map(([ip]) => ip);
    const totalExact = candidates.length <= THREATS_SCAN_MAX && ranked.every((r) => r.length <= THREATS_SCAN_MAX);
    const views = await this.views(candidates.slice(0, THREATS_SCAN_MAX), new Set(visible));
    const want = q.flagged === undefined ? null : q.flagged === 'true';
    const matching = views
      .filter((v) => want === null || (v.fed.flag !== null) === want)
      .map((v) => ({ v, t: this.summarize(v, now, []) }))
      .filter(({ t }) => t.score >= q.min_score)
      .sort((a, b) => b.t.raw - a.t.raw || a.t.ip.localeCompare(b.t.ip));
    const page = matching.slice(offset, offset + q.limit);
    const blocked = await Promise.all(page.map(({ v }) => this.blockedIn(v.ip, v.blockedCandidates)));
    const items = page.map(({ t: { raw: _raw, ...t } }, i) => ({ ...t, blockedIn: blocked[i] }));
    return { items, scoredAt: new Date(now).toISOString(), total: matching.length, totalExact, offset, limit: q.limit };
  }

  /**
   * One IP's profile, or null when none of the reader's jurisdictions reported it. Extensions
   * (decisions...) answer for every jurisdiction the reader sees: those records are its own.
   */
  async profile(ip: string, visible: string[]): Promise<IpProfile | null> {
    const now = this.clock();
    const [v] = await this.views([ip], new Set(visible));
    if (!v) return null;
    // One IP: every visible jurisdiction is asked, so a block older than the recurrence record counts too.
    const summary = this.summarize(v, now, await this.blockedIn(ip, visible));
    const { raw: _raw, ...base } = summary;
    const s = v.state;
    const inView = Object.keys(s.jurisdictions);
    const rules = this.rules.current().byId;
    const [recent, allow, ext] = await Promise.all([
      this.alerts.list(inView, { srcIp: ip, limit: 20 }),
      this.allowlist ? this.allowlist.check(ip, inView[0]).catch(() => null) : Promise.resolve(null),
      Promise.all(this.extensions.map(async (e) => [e.name, await e.describe(ip, visible).catch((err: Error) => ({ error: err.message }))] as const)),
    ]);
    return {
      ...base,
      scoredAt: new Date(now).toISOString(),
      jurisdictionsSeen: Object.entries(s.jurisdictions)
        .sort((a, b) => b[1] - a[1])
        .map(([id, t]) => ({ id, lastSeen: new Date(t).toISOString() })),
      alertsBySignature: Object.entries(s.sigs)
        .map(([signature, x]) => ({ signature, name: x.name, count: x.count }))
        .sort((a, b) => b.count - a.count),
      rules: Object.entries(s.rules)
        .filter(([id]) => rules.has(id))
        .map(([id, r]) => ({ id, name: rules.get(id)!.rule.name, lastFired: new Date(r.at).toISOString(), value: r.value, points: rules.get(id)!.points }))
        .sort((a, b) => b.lastFired.localeCompare(a.lastFired)),
      // Each active block was recorded once when it was made: the past ones are the rest.
      recurrence: { blocks: v.recurrence?.count ?? 0, past: Math.max(0, (v.recurrence?.count ?? 0) - summary.blockedIn.length), lastBlock: v.recurrence ? new Date(v.recurrence.lastAt).toISOString() : null },
      allowlist: allow,
      // Received order is not event order (sensors batch, clocks differ): the timeline reads by event time.
      recentAlerts: [...recent.items].sort((a, b) => Date.parse(b.timestamp) - Date.parse(a.timestamp) || Date.parse(b.received) - Date.parse(a.received)),
      extensions: Object.fromEntries(ext),
    };
  }
}
