import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { CONFIG } from '../infra/config/config.module';
import type { GwanjeConfig } from '../infra/config/config.schema';
import { JurisdictionsService } from '../jurisdictions/jurisdictions.service';
import { ScoreFactorHooks, type FactorContext } from '../detection/scoring/factor-hooks';
import { decay, halfLifeMs, type Contribution } from '../detection/scoring/scorer';
import { featuresOf } from './features';
import { LearningStore } from './learning.store';
import type { Disagreement, ModelRecord } from './learning.schemas';
import { LearningService } from './learning.service';
import { explain } from './logistic';

/** Points a model adds at probability p: 0 at 0.5, ±maxPoints at 1 and 0. */
export const modelPoints = (p: number, maxPoints: number) => maxPoints * (2 * p - 1);

const signed = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(2)}`;
/** Deduplication of recorded disagreements (per model and IP) is bounded: cleared past this many. */
const SEEN_MAX = 20_000;

/**
 * The learned model as a score factor `model`: detection calls it for every scored IP. A live
 * model adds points (bounded by learning.maxPoints) with the per-feature contributions in the
 * detail; a model in shadow adds 0 points, says what it would add, and every IP where it and the
 * live decision disagree is recorded for review. The models are held in memory (re-read on each
 * change here and every learning.refreshSeconds, for changes made by another process).
 */
@Injectable()
export class ModelFactor implements OnModuleInit, OnApplicationShutdown {
  private readonly log = new Logger('learning');
  private active = new Map<string, { live?: ModelRecord; shadow?: ModelRecord }>();
  private timer: NodeJS.Timeout | null = null;
  private pending: Disagreement[] = [];
  private flushing: Promise<void> | null = null;
  private readonly seen = new Set<string>();
  private unregister: (() => void) | null = null;

  constructor(
    @Inject(CONFIG) private readonly config: GwanjeConfig,
    private readonly hooks: ScoreFactorHooks,
    private readonly store: LearningStore,
    private readonly learning: LearningService,
    private readonly jurisdictions: JurisdictionsService,
  ) {}

  async onModuleInit() {
    if (!this.config.learning.enabled) return;
    this.learning.onModelsChanged(() => this.refresh());
    await this.refresh();
    this.unregister = this.hooks.register({ name: 'model', contribute: (ctx) => this.contribute(ctx) });
    this.timer = setInterval(() => void this.refresh().catch((err: Error) => this.log.warn({ err: err.message }, 'models not re-read')), this.config.learning.refreshSeconds * 1000);
    this.timer.unref();
  }

  async onApplicationShutdown() {
    if (this.timer) clearInterval(this.timer);
    this.unregister?.();
    await this.flush();
  }

  async refresh() {
    const slots = await this.store.slots();
    const next = new Map<string, { live?: ModelRecord; shadow?: ModelRecord }>();
    for (const [j, s] of Object.entries(slots)) {
      const [live, shadow] = await Promise.all([s.live ? this.store.model(s.live) : null, s.shadow ? this.store.model(s.shadow) : null]);
      next.set(j, { ...(live ? { live } : {}), ...(shadow ? { shadow } : {}) });
    }
    this.active = next;
  }

  /** A jurisdiction's own scope uses its model; the federation scope the one jurisdiction that saw the IP, else the hub's. */
  private modelsFor(ctx: FactorContext) {
    if (!ctx.scope) return null;
    if (ctx.scope !== '*') return { j: ctx.scope, m: this.active.get(ctx.scope) };
    const seen = Object.keys(ctx.state.jurisdictions);
    const own = seen.length === 1 ? this.active.get(seen[0]) : undefined;
    if (own) return { j: seen[0], m: own };
    const hub = this.jurisdictions.primaryHub().id;
    return { j: hub, m: this.active.get(hub) };
  }

  contribute(ctx: FactorContext): Contribution | null {
    const found = this.modelsFor(ctx);
    const m = found?.m;
    if (!found || !m || (!m.live && !m.shadow)) return null;
    const x = featuresOf(ctx.state, ctx.scored, this.config.detection.homeCountries);
    const k = decay(ctx.at - ctx.state.last, halfLifeMs(this.config.detection)); // earned at the last alert, like the anomaly factors
    const max = this.config.learning.maxPoints;
    const describe = (r: ModelRecord, e: ReturnType<typeof explain>) =>
      `${r.status === 'live' ? 'model' : 'shadow model'} ${r.id}: p(threat) = ${e.p.toFixed(2)}; ${e.contributions.slice(0, 5).map((c) => `${c.feature} ${signed(c.contribution)}`).join(', ') || 'no feature set'}`;
    let points = 0;
    const parts: string[] = [];
    if (m.live) {
      const e = explain(m.live.model, x);
      points = Math.round(modelPoints(e.p, max) * k * 10) / 10;
      parts.push(`${describe(m.live, e)} (${points >= 0 ? '+' : ''}${points})`);
    }
    if (m.shadow) {
      const e = explain(m.shadow.model, x);
      const would = Math.round(modelPoints(e.p, max) * k * 10) / 10;
      parts.push(`${describe(m.shadow, e)} (would add ${would >= 0 ? '+' : ''}${would}; 0 while in shadow)`);
      this.compare(ctx, found.j, m.shadow, e, would, points);
    }
    return { factor: 'model', points, detail: parts.join(' · ') };
  }

  /** Record where the shadow model's call (p ≥ 0.5) differs from the live flag decision. */
  private compare(ctx: FactorContext, j: string, shadow: ModelRecord, e: ReturnType<typeof explain>, would: number, livePoints: number) {
    const d = this.config.detection;
    const threshold = d.thresholds[j] ?? d.threshold;
    const liveFlag = ctx.scored.score + livePoints >= threshold;
    if (liveFlag === e.p >= 0.5) return;
    const key = `${shadow.id}|${ctx.ip}`;
    if (this.seen.has(key)) return;
    if (this.seen.size >= SEEN_MAX) this.seen.clear();
    this.seen.add(key);
    this.pending.push({ ip: ctx.ip, jurisdiction: j, model: shadow.id, at: new Date(ctx.at).toISOString(), score: ctx.scored.score, liveFlag, p: e.p, wouldAdd: would, contributions: e.contributions.slice(0, 20) });
    this.flushing ??= Promise.resolve().then(() => this.flush());
  }

  async flush() {
    const rows = this.pending;
    this.pending = [];
    this.flushing = null;
    await this.store.addDisagreements(rows).catch((err: Error) => this.log.warn({ err: err.message, rows: rows.length }, 'disagreements not recorded'));
  }
}
