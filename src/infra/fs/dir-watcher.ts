import type { Logger } from '@nestjs/common';
import { existsSync, watch, type FSWatcher } from 'node:fs';

/**
 * Hot reload of a directory of YAML documents (playbooks, formats): file-system events plus a slow
 * poll (some file systems — network, containers — miss events, and a directory created later is
 * picked up), debounced, with reloads run one at a time.
 */
export class DirWatcher {
  private watcher: FSWatcher | null = null;
  private poll: NodeJS.Timeout | null = null;
  private debounce: NodeJS.Timeout | null = null;
  private syncing: Promise<void> = Promise.resolve();

  constructor(
    private readonly opts: { dir: string; what: string; debounceMs: number; log: Logger; sync: () => unknown },
  ) {}

  start(pollMs = 5000) {
    const { dir, what, log } = this.opts;
    try {
      if (existsSync(dir)) {
        this.watcher = watch(dir, { recursive: true }, () => this.schedule());
        this.watcher.on('error', (err) => log.warn({ err, dir }, `watching ${what} failed; polling only`));
      }
    } catch (err) {
      log.warn({ err, dir }, `cannot watch the ${what} directory; polling only`);
    }
    this.poll = setInterval(() => this.schedule(), pollMs);
    this.poll.unref();
  }

  /** Re-read the directory now (after the reloads already running). */
  reload(): Promise<void> {
    this.syncing = this.syncing.then(() => this.opts.sync()).then(
      () => undefined,
      (err: unknown) => this.opts.log.error({ err }, `${this.opts.what} reload failed`),
    );
    return this.syncing;
  }

  async close() {
    this.watcher?.close();
    if (this.poll) clearInterval(this.poll);
    if (this.debounce) clearTimeout(this.debounce);
    await this.syncing.catch(() => undefined);
  }

  private schedule() {
    if (this.debounce) clearTimeout(this.debounce);
    this.debounce = setTimeout(() => {
      this.debounce = null;
      void this.reload();
    }, this.opts.debounceMs);
    this.debounce.unref();
  }
}
