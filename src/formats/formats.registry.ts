import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { AlertFormat } from '../contracts/alert';
import { CONFIG } from '../infra/config/config.module';
import { DirWatcher } from '../infra/fs/dir-watcher';
import type { GwanjeConfig } from '../infra/config/config.schema';
import type { FormatLookup } from '../normalize/normalizer';
import type { AlertParser } from '../normalize/parser';
import { formatLoadError, yamlFiles, type LoadError } from '../playbooks/loader/loader';
import type { CompiledFormat } from './compile';
import { loadFormatText, type LoadedFormat } from './load';

interface FileState {
  textHash: string;
  /** The last version of the file that loaded (every document valid, every sample passing). */
  good: LoadedFormat[];
  errors: LoadError[];
}

const BUILT_IN: ReadonlySet<string> = new Set([...AlertFormat.options, 'auto']);

/**
 * The LogFormat documents in force (docs/formats.md), from `formats.dir`, watched like playbooks: a
 * changed file that loads (schema, regexes, samples) replaces its formats at once; one that does not
 * keeps the previous version and its errors are logged and listed by GET /v1/formats. A loaded id
 * equal to a built-in one is refused (built-ins win), as is one defined by two files (the first file,
 * by name, keeps it). The normalizer asks this registry for every id that is not built in.
 */
@Injectable()
export class FormatsRegistry implements FormatLookup, OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger('formats');
  readonly dir: string;
  private readonly files = new Map<string, FileState>();
  private byId = new Map<string, LoadedFormat>();
  private clashes: LoadError[] = [];
  detectOrder: readonly AlertParser[] = [];
  private readonly watcher: DirWatcher;

  constructor(@Inject(CONFIG) private readonly config: GwanjeConfig) {
    this.dir = path.resolve(config.formats.dir);
    this.watcher = new DirWatcher({ dir: this.dir, what: 'formats', debounceMs: config.formats.watchDebounceMs, log: this.log, sync: () => this.sync(false) });
  }

  onModuleInit() {
    this.sync(true);
  }

  onApplicationBootstrap() {
    if (!this.config.formats.watch || this.config.role === 'worker') return;
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

  private sync(startup: boolean) {
    let list: string[] = [];
    if (existsSync(this.dir) && statSync(this.dir).isDirectory()) list = yamlFiles(this.dir);
    else if (startup) this.log.log({ dir: this.dir }, 'formats directory does not exist; built-in formats only');
    const present = new Set(list);
    let changed = false;
    for (const file of list) {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (err) {
        this.log.warn({ err, file }, 'cannot read format file');
        continue;
      }
      const textHash = createHash('sha256').update(text).digest('hex');
      const before = this.files.get(file);
      if (before && before.textHash === textHash) continue;
      changed = true;
      const res = loadFormatText(text, this.rel(file));
      if (res.errors.length) {
        for (const e of res.errors) this.log.error({ error: formatLoadError(e), file: this.rel(file) }, before?.good.length ? 'format file change refused; the previous version stays' : 'format file not loaded');
        this.files.set(file, { textHash, good: before?.good ?? [], errors: res.errors });
        continue;
      }
      this.files.set(file, { textHash, good: res.formats, errors: [] });
      for (const f of res.formats) this.log.log({ format: f.format.format, file: this.rel(file), samples: f.format.doc.samples.length }, 'format loaded');
    }
    for (const file of [...this.files.keys()])
      if (!present.has(file)) {
        changed = true;
        this.files.delete(file);
        this.log.warn({ file: this.rel(file) }, 'format file removed; its formats are gone');
      }
    if (!changed && !startup) return;
    const byId = new Map<string, LoadedFormat>();
    const clashes: LoadError[] = [];
    for (const [, s] of [...this.files.entries()].sort(([a], [b]) => a.localeCompare(b)))
      for (const f of s.good) {
        const id = f.format.format;
        const first = byId.get(id);
        const at = { file: f.file, line: f.line, column: 1, path: 'metadata.id' };
        if (BUILT_IN.has(id)) clashes.push({ ...at, message: `format id ${JSON.stringify(id)} is a built-in format`, hint: 'built-in formats win; choose another id' });
        else if (first) clashes.push({ ...at, message: `duplicate format id ${JSON.stringify(id)}`, hint: `first defined at ${first.file}:${first.line}` });
        else byId.set(id, f);
      }
    for (const e of clashes) this.log.error({ error: formatLoadError(e) }, 'format not loaded');
    this.byId = byId;
    this.clashes = clashes;
    this.detectOrder = [...byId.values()].map((f) => f.format).filter((f) => f.doc.match && (f.doc.match.program || f.doc.match.prefix || f.doc.match.regex));
    this.log.log({ dir: this.dir, files: this.files.size, formats: byId.size }, startup ? 'formats loaded' : 'formats reloaded');
  }

  get(id: string): CompiledFormat | undefined {
    return this.byId.get(id)?.format;
  }

  /** Whether ingest accepts this id: a built-in, `auto`, or a loaded format. */
  has(id: string): boolean {
    return BUILT_IN.has(id) || this.byId.has(id);
  }

  /** Every id ingest accepts, built-ins first. */
  ids(): string[] {
    return [...AlertFormat.options, 'auto', ...[...this.byId.keys()].sort()];
  }

  loaded(): LoadedFormat[] {
    return [...this.byId.values()].sort((a, b) => a.format.format.localeCompare(b.format.format));
  }

  /** Load errors by file (relative to the directory), plus id clashes. */
  errors(): LoadError[] {
    return [...[...this.files.values()].flatMap((s) => s.errors), ...this.clashes];
  }
}
