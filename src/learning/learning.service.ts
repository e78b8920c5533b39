import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { ApprovalsService } from '../approvals/approvals.service';
import { AuditService } from '../audit/audit.service';
import { AllowlistService } from '../blocklist/allowlist.service';
import { parseNet } from '../contracts/net';
import { NotFound, Refused } from '../contracts/errors';
import type { AuditActor } from '../contracts/actor';
import type { ApprovalDecided } from '../contracts/approvals';
import { DetectionFeatures, type ScopeSnapshot } from '../detection/features';
import { CONFIG } from '../infra/config/config.module';
import type { GwanjeConfig } from '../infra/config/config.schema';
import { EventBus } from '../infra/events/event-bus';
import { JurisdictionsService } from '../jurisdictions/jurisdictions.service';
import { featuresOf } from './features';
import { LearningStore } from './learning.store';
import type { Example, Label, ModelRecord } from './learning.schemas';
import { evaluate, explain, train } from './logistic';

/** An unblock whose reason says the block was a mistake is a benign label. */
export const FALSE_POSITIVE = /false[\s-]*positive|오탐/i;

type Verdict = { jurisdiction: string; value: string; label: Label; kind: Example['provenance']['kind']; event: string; ref: string; by: string; at: number; tlp?: string };

/** Values a decided approval would have blocked: a playbook's block steps, or a reviewed share's block. */
export function blockedValues(change: Record<string, unknown>): string[] {
  const out: string[] = [];
  const steps = Array.isArray(change.steps) ? (change.steps as unknown[]) : [];
  for (const s of [change, ...steps]) {
    if (s && typeof s === 'object') {
      const item = s as Record<string, unknown>;
      if (item.action === 'block' && typeof item.value === 'string') out.push(item.value);
    }
  }
  return [...new Set(out)];
}

/**
 * Verdicts become labelled examples (with what the scorer saw at that moment), and models are
 * trained from them, stored as versions, and promoted or rolled back by an officer.
 */
@Injectable()
export class LearningService implements OnModuleInit {
  private readonly log = new Logger('learning');
  /** Listeners call after every change of which model is live or in shadow. */
  private readonly changed: Array<() => Promise<void>> = [];

  constructor(
    @Inject(CONFIG) private readonly config: GwanjeConfig,
    private readonly store: LearningStore,
    private readonly features: DetectionFeatures,
    private readonly jurisdictions: JurisdictionsService,
    private readonly audit: AuditService,
    private readonly events: EventBus,
    private readonly approvals: ApprovalsService,
    private readonly allowlist: AllowlistService,
  ) {}

  onModuleInit() {
    if (!this.config.learning.enabled) return;
    // A label that cannot be recorded never fails the verdict itself.
    const safe = async (what: string, f: () => Promise<unknown>): Promise<void> => {
      try {
        await f();
      } catch (err) {
        this.log.warn({ err: (err as Error).message }, `${what}: label not recorded`);
      }
    };
    this.events.on('approval.decided', (e) => safe('approval.decided', () => this.onApproval(e)));
    this.events.on('decision.ended', (e) =>
      safe('decision.ended', async () => {
        if (e.scope !== 'ip' || !FALSE_POSITIVE.test(e.reason)) return;
        // The block's own label (a manual block is a threat verdict) is overruled by this one.
        await this.store.removeExample(e.jurisdiction, `manual-block:${e.id}`);
        await this.record({ jurisdiction: e.jurisdiction, value: e.value, label: 'benign', kind: 'unblock-false-positive', event: 'decision.ended', ref: e.id, by: `${e.by.type}:${e.by.id}`, at: e.at, tlp: e.tlp });
      }),
    );
    this.events.on('decision.created', (e) =>
      safe('decision.created', async () => {
        if (e.scope !== 'ip' || e.origin?.type !== 'manual') return;
        await this.record({ jurisdiction: e.jurisdiction, value: e.value, label: 'threat', kind: 'manual-block', event: 'decision.created', ref: e.id, by: e.origin.id, at: e.at, tlp: e.tlp });
      }),
    );
    this.allowlist.onAdded(async (entry, actor) => {
      const net = parseNet(entry.value);
      if (net?.host && entry.jurisdiction)
        await safe('allowlist', () => this.record({ jurisdiction: entry.jurisdiction!, value: net.text, label: 'benign', kind: 'allowlist', event: 'allowlist.added', ref: entry.id, by: `${actor.type}:${actor.id}`, at: Date.parse(entry.created) || Date.now() }));
      return [];
    });
  }

  onModelsChanged(f: () => Promise<void>) {
    this.changed.push(f);
  }

  private async onApproval(e: ApprovalDecided) {
    if (e.outcome === 'timed-out') return; // nobody judged it
    const a = await this.approvals.get(e.approvalId);
    if (!a) return;
    const kind = e.kind === 'share-review' ? 'share-confirmed' : 'approval';
    const jurisdiction = e.kind === 'share-review' ? e.subject.jurisdiction : e.jurisdiction;
    const by = a.votes.map((v) => `key:${v.by.keyId}`).join(',') || 'unknown';
    for (const value of blockedValues(a.change)) {
      if (!parseNet(value)?.host) continue;
      await this.record({ jurisdiction, value, label: e.outcome === 'approved' ? 'threat' : 'benign', kind, event: 'approval.decided', ref: `${e.approvalId}:${value}`, by, at: a.decided ? Date.parse(a.decided) : Date.now() });
    }
  }

  /** Store one labelled example with the scorer's view of the IP now. Returns false when this verdict was already stored. */
  async record(v: Verdict): Promise<boolean> {
    if (!this.jurisdictions.has(v.jurisdiction)) return false;
    const snap = await this.features.snapshot(v.value, v.jurisdiction, v.at);
    const home = this.config.detection.homeCountries;
    const view = (s: ScopeSnapshot | null) => (s ? { features: featuresOf(s.state, s.scored, home), factors: s.scored.contributions.filter((c) => c.factor !== 'model'), score: s.scored.score } : null);
    const seen = snap.federation?.state ?? snap.jurisdiction?.state ?? null;
    const example: Example = {
      id: `${v.kind}:${v.ref}`,
      jurisdiction: v.jurisdiction,
      value: v.value,
      label: v.label,
      local: view(snap.jurisdiction),
      federation: view(snap.federation),
      context: { rules: Object.keys(seen?.rules ?? {}), country: seen?.geo?.country ?? null, asn: seen?.geo?.asn ?? null, jurisdictions: Object.keys(snap.federation?.state.jurisdictions ?? {}) },
      provenance: { kind: v.kind, event: v.event, ref: v.ref, by: v.by, at: new Date(v.at).toISOString() },
      tlp: (v.tlp as Example['tlp'] | undefined) ?? this.config.blocklist.defaultTlp,
    };
    const stored = await this.store.addExample(example);
    if (stored) this.log.log({ jurisdiction: v.jurisdiction, value: v.value, label: v.label, kind: v.kind }, 'label recorded');
    return stored;
  }

  async examples(jurisdictions: string[], limit: number): Promise<Example[]> {
    const all = (await Promise.all(jurisdictions.map((j) => this.store.examples(j, limit)))).flat();
    return all.sort((a, b) => b.provenance.at.localeCompare(a.provenance.at)).slice(0, limit);
  }

  private isHub(j: string) {
    return this.jurisdictions.primaryHub().id === j;
  }

  /**
   * Train a new version for one jurisdiction (the hub: from the federation view of every example
   * below it) and put it in shadow. Refused without enough examples of both labels.
   */
  async train(jurisdiction: string, by: string): Promise<ModelRecord> {
    const c = this.config.learning;
    const hub = this.isHub(jurisdiction);
    const sources = hub ? [...this.jurisdictions.subtree(jurisdiction)] : [jurisdiction];
    const examples = (await Promise.all(sources.map((j) => this.store.examples(j, c.maxExamplesPerJurisdiction)))).flat();
    const rows = examples.flatMap((e) => {
      const f = hub ? e.federation : e.local;
      return f ? [{ id: e.id, x: f.features, y: e.label === 'threat' ? 1 : 0 }] : [];
    });
    const threat = rows.filter((r) => r.y === 1).length;
    if (rows.length < c.minExamples || !threat || threat === rows.length)
      throw new Refused(`${jurisdiction}: ${rows.length} examples with features (${threat} threat, ${rows.length - threat} benign); a model needs ${c.minExamples} with both labels (learning.minExamples)`, 'too_few_examples');
    // Held out by a hash of the example id: the same example is always on the same side.
    const held = (id: string) => createHash('sha256').update(id).digest().readUInt32BE(0) / 2 ** 32 < c.holdout;
    let trainRows = rows.filter((r) => !held(r.id));
    let test = rows.filter((r) => held(r.id));
    if (!trainRows.some((r) => r.y === 1) || !trainRows.some((r) => r.y === 0)) [trainRows, test] = [rows, []];
    const names = [...new Set(trainRows.flatMap((r) => Object.keys(r.x)))].sort();
    const model = train(names, trainRows.map((r) => r.x), trainRows.map((r) => r.y), { l2: c.l2, epochs: c.epochs, learningRate: c.learningRate });
    const evaluation = evaluate(test.map((r) => explain(model, r.x).p), test.map((r) => r.y));
    const version = await this.store.nextVersion(jurisdiction);
    const record: ModelRecord = {
      id: `${jurisdiction}.v${version}`,
      jurisdiction,
      kind: hub ? 'hub' : 'jurisdiction',
      version,
      status: 'shadow',
      created: new Date().toISOString(),
      trainedBy: by,
      trainingSize: trainRows.length,
      labels: { threat, benign: rows.length - threat },
      evaluation,
      model,
      promoted: null,
    };
    const previous = (await this.store.slots())[jurisdiction]?.shadow;
    if (previous) await this.setStatus(previous, 'retired');
    await this.store.saveModel(record);
    await this.store.setSlot(jurisdiction, 'shadow', record.id);
    await this.audit.record({ actor: { type: 'system', id: by }, action: 'model.trained', jurisdiction, target: { type: 'model', id: record.id }, reason: `trained on ${trainRows.length} examples`, detail: { held: test.length, precision: evaluation.precision, recall: evaluation.recall, rocAuc: evaluation.rocAuc, brier: evaluation.brier } });
    this.log.log({ model: record.id, examples: rows.length, rocAuc: evaluation.rocAuc }, 'model trained (shadow)');
    await this.notify();
    return record;
  }

  /** Train every jurisdiction that has examples, then the hub; jurisdictions without enough are skipped with the reason. */
  async trainAll(by: string, only?: string[]): Promise<{ trained: ModelRecord[]; skipped: Array<{ jurisdiction: string; why: string }> }> {
    const trained: ModelRecord[] = [];
    const skipped: Array<{ jurisdiction: string; why: string }> = [];
    const hub = this.jurisdictions.primaryHub().id;
    const ids = only ?? [...this.jurisdictions.list().map((j) => j.id).filter((j) => j !== hub), hub];
    for (const j of ids) {
      try {
        trained.push(await this.train(j, by));
      } catch (err) {
        if (!(err instanceof Refused)) throw err;
        skipped.push({ jurisdiction: j, why: err.message });
      }
    }
    return { trained, skipped };
  }

  async get(id: string, visible: Set<string>): Promise<ModelRecord> {
    const m = await this.store.model(id);
    if (!m || !visible.has(m.jurisdiction)) throw new NotFound(`model ${id} does not exist`);
    return m;
  }

  async list(jurisdictions: string[]): Promise<ModelRecord[]> {
    return (await Promise.all(jurisdictions.map((j) => this.store.models(j)))).flat();
  }

  /** Make a version live (any version: promoting an earlier one is the rollback); the live one before it retires. */
  async promote(id: string, visible: Set<string>, actor: AuditActor, reason: string): Promise<ModelRecord> {
    const m = await this.get(id, visible);
    const slots = (await this.store.slots())[m.jurisdiction] ?? {};
    if (slots.live === m.id) return m;
    if (slots.live) await this.setStatus(slots.live, 'retired');
    if (slots.shadow === m.id) await this.store.setSlot(m.jurisdiction, 'shadow', null);
    const promoted: ModelRecord = { ...m, status: 'live', promoted: { at: new Date().toISOString(), by: `${actor.type}:${actor.id}`, reason } };
    await this.store.saveModel(promoted);
    await this.store.setSlot(m.jurisdiction, 'live', m.id);
    await this.audit.record({ actor, action: 'model.promoted', jurisdiction: m.jurisdiction, target: { type: 'model', id: m.id }, reason, detail: { previous: slots.live ?? null, version: m.version } });
    this.log.log({ model: m.id, previous: slots.live ?? null }, 'model promoted');
    await this.notify();
    return promoted;
  }

  /** Promote the version that was live before the current one. */
  async rollback(jurisdiction: string, actor: AuditActor, reason: string): Promise<ModelRecord> {
    const slots = (await this.store.slots())[jurisdiction] ?? {};
    const versions = await this.store.models(jurisdiction);
    const live = versions.find((v) => v.id === slots.live);
    const earlier = versions.find((v) => v.promoted && v.id !== slots.live && (!live || v.version < live.version));
    if (!earlier) throw new Refused(`${jurisdiction}: no earlier promoted model to roll back to`, 'no_earlier_model');
    return this.promote(earlier.id, new Set([jurisdiction]), actor, reason);
  }

  disagreements(jurisdictions: string[], limit: number) {
    return Promise.all(jurisdictions.map((j) => this.store.disagreements(j, limit))).then((r) => r.flat().sort((a, b) => b.at.localeCompare(a.at)).slice(0, limit));
  }

  private async setStatus(id: string, status: ModelRecord['status']) {
    const m = await this.store.model(id);
    if (m) await this.store.saveModel({ ...m, status });
  }

  private async notify() {
    for (const f of this.changed) await f();
  }
}
