import { Inject, Injectable, Optional } from '@nestjs/common';
import { AlertsStore } from '../alerts/alerts.store';
import { ALLOWLIST, type AllowlistLookup } from '../blocklist/allowlist.port';
import { CONFIG } from '../infra/config/config.module';
import type { GwanjeConfig } from '../infra/config/config.schema';
import { DetectionStore } from './detection.store';
import { DETECTION_CLOCK, type Clock } from './detection.service';
import { DetectionRulesService } from './rules/rules.service';
import { rankFloor, scoreState } from './scoring/scorer';
import { mergeStates, parseState, type IpState } from './scoring/state';
import type { IpProfile, ThreatSummary } from './threats.schemas';

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
  ) {}

  /** Views of many IPs for a reader who sees `visible`; IPs the reader cannot see are left out. */
  async views(ips: string[], visible: Set<string>): Promise<View[]> {
    const globals = await this.store.statesMany(ips.map((ip) => [ip, '*']));
    const out: Array<View | null> = [];
    const partial: Array<{ idx: number; ip: string; scopes: string[] }> = [];
    const rec = await this.store.recurrenceMany(ips);
    const fedBaseline = (await this.store.baselines(['*'])).get('*') ?? null;
    ips.forEach((ip, i) => {
      const g = globals[i] ? parseState(globals[i]!) : null;
      if (!g) return out.push(null);
      const seen = Object.keys(g.jurisdictions);
      const inView = seen.filter((j) => visible.has(j));
      if (!inView.length) return out.push(null);
      if (inView.length === seen.length) {
        const r = rec[i];
        return out.push({ ip, state: g, federation: true, baseline: fedBaseline, recurrence: r.n ? { count: Number(r.n), lastAt: Number(r.at ?? 0) } : null });
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
        const promoted: Partial<Record<'dt' | 'dp' | 'ds', number>> = {};
        for (const f of ['dt', 'dp', 'ds'] as const) {
          const scopes = p.scopes.filter((_, i) => states[i]?.sets[f] === '#');
          if (scopes.length) promoted[f] = await this.store.promotedUnion(p.ip, scopes, f);
        }
        const merged = mergeStates(states, this.config.detection.rateTauMinutes * 60_000, promoted)!;
        // The busiest visible jurisdiction's baseline stands for the merged view.
        const busiest = p.scopes[states.indexOf(states.reduce((a, b) => (b.n > a.n ? b : a)))];
        const r = rec[ips.indexOf(p.ip)];
        const blocks = p.scopes.reduce((sum, s) => sum + Number(r[`j:${s}`] ?? 0), 0);
        out[p.idx] = { ip: p.ip, state: merged, federation: false, baseline: baselines.get(busiest) ?? null, recurrence: blocks ? { count: blocks, lastAt: Number(r.at ?? 0) } : null };
      }
    }
    return out.filter((v): v is View => v !== null);
  }

  private summarize(v: View, now: number): ThreatSummary & { raw: number } {
    const scored = scoreState({ state: v.state, rules: this.rules.current().byId, config: this.config.detection, baseline: v.baseline, recurrence: v.recurrence, baselineName: v.federation ? 'federation' : 'jurisdiction', at: now });
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
      flagged: v.federation ? s.flag !== null : null,
      country: s.geo?.country ?? null,
      asn: s.geo?.asn != null ? { number: s.geo.asn, org: s.geo.org } : null,
      view: v.federation ? 'federation' : 'partial',
    };
  }

  /** IPs by current score for a reader who sees `visible` (all jurisdictions: the federation ranking). */
  async threats(visible: string[], q: { min_score: number; limit: number }, allJurisdictions: boolean): Promise<{ items: ThreatSummary[]; scoredAt: string }> {
    const now = this.clock();
    const floor = rankFloor(Math.max(q.min_score, 1), now, this.config.detection);
    const scopes = allJurisdictions ? ['*'] : visible;
    const ranked = await Promise.all(scopes.map((s) => this.store.ranked(s, floor, q.limit)));
    const ips = [...new Set(ranked.flat().map((r) => r.ip))];
    const views = await this.views(ips, new Set(visible));
    const items = views
      .map((v) => this.summarize(v, now))
      .filter((t) => t.score >= q.min_score)
      .sort((a, b) => b.raw - a.raw || a.ip.localeCompare(b.ip))
      .slice(0, q.limit)
      .map(({ raw: _raw, ...t }) => t);
    return { items, scoredAt: new Date(now).toISOString() };
  }

  /**
   * One IP's profile, or null when none of the reader's jurisdictions reported it. Extensions
   * (decisions...) answer for every jurisdiction the reader sees: those records are its own.
   */
  async profile(ip: string, visible: string[]): Promise<IpProfile | null> {
    const now = this.clock();
    const [v] = await this.views([ip], new Set(visible));
    if (!v) return null;
    const summary = this.summarize(v, now);
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
      flag: v.federation && s.flag ? { generation: s.flag.gen, score: s.flag.score, at: new Date(s.flag.at).toISOString() } : null,
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
      recurrence: { blocks: v.recurrence?.count ?? 0, lastBlock: v.recurrence ? new Date(v.recurrence.lastAt).toISOString() : null },
      allowlist: allow,
      recentAlerts: recent.items,
      extensions: Object.fromEntries(ext),
    };
  }
}
