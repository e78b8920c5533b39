import { Inject, Injectable, Logger, Optional, type OnApplicationBootstrap, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { AuditActor } from '../../audit/audit.schemas';
import { AuditService } from '../../audit/audit.service';
import { DetectionRulesService } from '../../detection/rules/rules.service';
import type { DetectionRule } from '../../detection/rules/rule.schema';
import { CONFIG } from '../../infra/config/config.module';
import { DirWatcher } from '../../infra/fs/dir-watcher';
import type { GwanjeConfig } from '../../infra/config/config.schema';
import { dedupe, formatLoadError, loadText, yamlFiles, type LoadError, type LoadedDocument } from '../loader/loader';
import { compilePlaybook, type CompiledPlaybook } from '../model/compile';
import { setPlaybookContext, type Playbook } from '../model/playbook.schema';
import '../model/register';
import { VersionsStore, type Head, type VersionMeta, type VersionSource } from './versions.store';

interface FileState {
  /** sha256 of the file's text as last read. */
  textHash: string;
  /** Documents of the last valid version of the file (all kinds). */
  good: LoadedDocument[];
  errors: LoadError[];
}

export type PutResult = { ok: true; version: number; hash: string; appended: boolean; playbook: Playbook } | { ok: false; errors: LoadError[] };

/** Told the valid documents of the directory (every kind) whenever a file changes. */
type DocumentsListener = (docs: LoadedDocument[], errors: LoadError[]) => void;

/**
 * The playbooks in force. Files under playbooks.dir and PUTs through the API are both versions of
 * a playbook, stored in Redis (history, rollback, and the exact text a run was made with); the
 * newest version of each id runs. Files are watched: a changed file that validates replaces its
 * documents at once, one that does not leaves the previous version running and its errors visible.
 */
@Injectable()
export class PlaybookRegistry implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger('playbooks');
  private readonly dir: string;
  private readonly files = new Map<string, FileState>();
  private readonly compiled = new Map<string, { pb: CompiledPlaybook | null; error: string | null }>();
  private cache: { gen: string; list: CompiledPlaybook[]; heads: Map<string, Head> } | null = null;
  private readonly watcher: DirWatcher;
  private readonly listeners: DocumentsListener[] = [];

  constructor(
    @Inject(CONFIG) private readonly config: GwanjeConfig,
    private readonly store: VersionsStore,
    private readonly audit: AuditService,
    @Optional() private readonly rules?: DetectionRulesService,
  ) {
    this.dir = path.resolve(config.playbooks.dir);
    this.watcher = new DirWatcher({ dir: this.dir, what: 'playbooks', debounceMs: config.playbooks.watchDebounceMs, log: this.log, sync: () => this.sync(false) });
    const secrets = new Set(Object.keys(config.playbooks.webhooks.secrets));
    setPlaybookContext({ jurisdictions: new Map(config.jurisdictions.map((j) => [j.id, { parent: j.parent }])), secrets, webhookAllow: config.playbooks.webhooks.allow });
    // Detection rules living in the same directory follow the same hot reload.
    if (this.rules && path.resolve(config.detection.rulesDir) === this.dir)
      this.listeners.push((docs, errors) => {
        const rules = docs.filter((d) => d.kind === 'DetectionRule') as Array<LoadedDocument<DetectionRule>>;
        this.rules!.replace(rules, errors);
      });
  }

  async onModuleInit() {
    if (this.config.playbooks.enabled) await this.sync(true);
  }

  onApplicationBootstrap() {
    if (!this.config.playbooks.enabled || !this.config.playbooks.watch) return;
    this.watcher.start();
  }

  onApplicationShutdown() {
    return this.watcher.close();
  }

  /** Re-read the directory now (the watcher calls this; tests may too). */
  reload(): Promise<void> {
    return this.watcher.reload();
  }

  private rel(file: string) {
    return path.relative(this.dir, file) || path.basename(file);
  }

  /** Read changed files; store valid playbooks as new versions; keep the last good version of invalid files. */
  private async sync(startup: boolean): Promise<void> {
    let list: string[] = [];
    if (existsSync(this.dir) && statSync(this.dir).isDirectory()) list = yamlFiles(this.dir);
    else if (startup) this.log.warn({ dir: this.dir }, 'playbooks directory does not exist; no file playbooks');
    let changed = false;
    const present = new Set(list);
    for (const file of list) {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (err) {
        this.log.warn({ err, file }, 'cannot read playbook file');
        continue;
      }
      const textHash = createHash('sha256').update(text).digest('hex');
      const before = this.files.get(file);
      if (before && before.textHash === textHash) continue;
      changed = true;
      const res = loadText(text, this.rel(file));
      if (res.errors.length) {
        for (const e of res.errors) this.log.error({ error: formatLoadError(e), file: this.rel(file) }, before ? 'playbook file change refused; the previous version keeps running' : 'playbook file not loaded');
        this.files.set(file, { textHash, good: before?.good ?? [], errors: res.errors });
        await this.store.setErrors(this.rel(file), res.errors);
        continue;
      }
      this.files.set(file, { textHash, good: res.documents, errors: [] });
      await this.store.setErrors(this.rel(file), []);
    }
    for (const file of [...this.files.keys()]) {
      if (present.has(file)) continue;
      changed = true;
      const gone = this.files.get(file)!;
      this.files.delete(file);
      await this.store.setErrors(this.rel(file), []);
      for (const d of gone.good) {
        if (d.kind !== 'Playbook' || !d.id) continue;
        const head = await this.store.head(d.id);
        if (head?.source.type === 'file' && head.source.file === this.rel(file) && (await this.store.markRemoved(d.id))) {
          this.log.warn({ playbookId: d.id, file: this.rel(file) }, 'playbook file removed; the playbook stops');
          await this.audit.record({ actor: { type: 'system', id: 'playbooks' }, action: 'playbook.removed', jurisdiction: (d.value as Playbook).owner, target: { type: 'playbook', id: d.id }, reason: `file ${this.rel(file)} removed` });
        }
      }
    }
    if (startup) await this.forgetVanishedFiles(present);
    if (!changed && !startup) return;
    // Every valid document, first definition of each (kind, id) wins; duplicates are errors of the later file.
    const all = [...this.files.entries()].sort(([a], [b]) => a.localeCompare(b)).flatMap(([, s]) => s.good);
    const { documents, errors: dupes } = dedupe(all, []);
    for (const e of dupes) this.log.error({ error: formatLoadError(e) }, 'duplicate document id');
    for (const d of documents) if (d.kind === 'Playbook') await this.storeFileVersion(d as LoadedDocument<Playbook>);
    const errors = [...[...this.files.values()].flatMap((s) => s.errors), ...dupes];
    for (const l of this.listeners) {
      try {
        l(documents, errors);
      } catch (err) {
        this.log.error({ err }, 'playbook documents listener failed');
      }
    }
    this.log.log({ dir: this.dir, files: this.files.size, playbooks: documents.filter((d) => d.kind === 'Playbook').length, errors: errors.length }, startup ? 'playbooks loaded' : 'playbooks reloaded');
  }

  /** Heads defined by a file that no longer exists (removed while no process was running). */
  private async forgetVanishedFiles(present: Set<string>) {
    const rels = new Set([...present].map((f) => this.rel(f)));
    for (const [id, head] of await this.store.heads()) {
      if (head.removed || head.source.type !== 'file' || !head.source.file || rels.has(head.source.file)) continue;
      if (existsSync(path.join(this.dir, head.source.file))) continue;
      if (await this.store.markRemoved(id)) this.log.warn({ playbookId: id, file: head.source.file }, 'playbook file no longer exists; the playbook stops');
    }
  }

  private async storeFileVersion(d: LoadedDocument<Playbook>) {
    const pb = d.value;
    const meta: Omit<VersionMeta, 'version'> = { hash: d.hash, at: new Date().toISOString(), source: { type: 'file', file: d.file }, status: pb.status, owner: pb.owner, name: pb.name, trigger: pb.trigger.on };
    const r = await this.store.append(pb.id, d.source, meta, d.hash);
    if (!r.appended) return;
    this.log.log({ playbookId: pb.id, version: r.version, status: pb.status, file: d.file }, 'playbook version from file');
    await this.audit.record({ actor: { type: 'system', id: 'playbooks' }, action: 'playbook.updated', jurisdiction: pb.owner, target: { type: 'playbook', id: pb.id }, reason: `file ${d.file}`, detail: { version: r.version, hash: d.hash, status: pb.status, source: 'file' } });
  }

  // ---- what runs ----

  /** The playbooks in force (newest version of each id, not removed), compiled once per version. */
  async current(): Promise<CompiledPlaybook[]> {
    return (await this.state()).list;
  }

  async heads(): Promise<Map<string, Head>> {
    return (await this.state()).heads;
  }

  private async state() {
    const gen = await this.store.generation();
    if (this.cache && this.cache.gen === gen) return this.cache;
    const heads = await this.store.heads();
    const list: CompiledPlaybook[] = [];
    for (const [, h] of heads) {
      if (h.removed) continue;
      const c = await this.compile(h.hash, h.version);
      if (c.pb) list.push(c.pb);
    }
    list.sort((a, b) => a.id.localeCompare(b.id));
    this.cache = { gen, list, heads };
    return this.cache;
  }

  /** A stored version, compiled (runs keep the version they started with). */
  async compile(hash: string, version = 0): Promise<{ pb: CompiledPlaybook | null; error: string | null }> {
    const hit = this.compiled.get(hash);
    if (hit) return hit;
    const text = await this.store.text(hash);
    let out: { pb: CompiledPlaybook | null; error: string | null };
    if (text === null) out = { pb: null, error: `version ${hash.slice(0, 12)} is not stored` };
    else {
      const res = loadText<Playbook>(text, `version ${version}`, { kinds: ['Playbook'] });
      const doc = res.documents[0];
      if (res.errors.length || !doc) {
        out = { pb: null, error: res.errors.map(formatLoadError).join('; ') || 'no Playbook document' };
        this.log.error({ hash, version, error: out.error }, 'stored playbook version no longer validates (config changed?)');
      } else out = { pb: compilePlaybook(doc.value, hash, version), error: null };
    }
    if (this.compiled.size > 500) this.compiled.clear();
    this.compiled.set(hash, out);
    return out;
  }

  /** Load errors of files, by relative path (from the store: any process may have seen them). */
  errors(): Promise<Map<string, LoadError[]>> {
    return this.store.errors() as Promise<Map<string, LoadError[]>>;
  }

  versions(id: string): Promise<VersionMeta[]> {
    return this.store.versions(id);
  }

  text(hash: string): Promise<string | null> {
    return this.store.text(hash);
  }

  // ---- changes through the API ----

  /** Validate a YAML text as the new version of playbook `id`. */
  parse(id: string, text: string, name = `${id}.yaml`): { ok: true; doc: LoadedDocument<Playbook> } | { ok: false; errors: LoadError[] } {
    const res = loadText<Playbook>(text, name);
    if (res.errors.length) return { ok: false, errors: res.errors };
    const docs = res.documents;
    const err = (message: string): LoadError => ({ file: name, line: 1, column: 1, path: '', message });
    if (docs.length !== 1) return { ok: false, errors: [err(`expected exactly one document, got ${docs.length}`)] };
    if (docs[0].kind !== 'Playbook') return { ok: false, errors: [err(`expected kind: Playbook, got ${docs[0].kind}`)] };
    if (docs[0].id !== id) return { ok: false, errors: [{ ...err(`id ${docs[0].id} does not match the URL (${id})`), path: 'id' }] };
    return { ok: true, doc: docs[0] };
  }

  async put(id: string, text: string, source: VersionSource, actor: AuditActor, comment?: string): Promise<PutResult> {
    const parsed = this.parse(id, text);
    if (!parsed.ok) return parsed;
    const pb = parsed.doc.value;
    const meta: Omit<VersionMeta, 'version'> = { hash: parsed.doc.hash, at: new Date().toISOString(), source, status: pb.status, owner: pb.owner, name: pb.name, trigger: pb.trigger.on, ...(comment ? { comment } : {}) };
    const r = await this.store.append(id, parsed.doc.source, meta, null);
    if (r.appended) {
      await this.audit.record({
        actor,
        action: source.type === 'rollback' ? 'playbook.rolled-back' : 'playbook.updated',
        jurisdiction: pb.owner,
        target: { type: 'playbook', id },
        reason: comment ?? null,
        detail: { version: r.version, hash: parsed.doc.hash, status: pb.status, source: source.type, ...(source.from ? { from: source.from } : {}) },
      });
      this.log.log({ playbookId: id, version: r.version, status: pb.status, by: actor.id, source: source.type }, 'playbook version stored');
    }
    return { ok: true, version: r.version, hash: parsed.doc.hash, appended: r.appended, playbook: pb };
  }
}
