import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { configDuration } from '../../contracts/duration';
import { CONFIG } from '../../infra/config/config.module';
import type { GwanjeConfig } from '../../infra/config/config.schema';
import { JurisdictionsService } from '../../jurisdictions/jurisdictions.service';
import { documentKinds } from '../../playbooks/loader/kinds';
import { formatLoadError, loadPaths, type LoadError, type LoadedDocument } from '../../playbooks/loader/loader';
import { asList, SharingPolicyKind, withKnownJurisdictions, type SharingPolicy } from './policy.schema';
import { TrustPolicies, type Hierarchy } from './trust';

documentKinds.register(SharingPolicyKind);

/** Two policies may not govern the same jurisdiction: the later one is reported, at its `jurisdiction` key. */
export function conflictErrors(docs: Array<LoadedDocument<SharingPolicy>>): { kept: Array<LoadedDocument<SharingPolicy>>; errors: LoadError[] } {
  const owner = new Map<string, LoadedDocument<SharingPolicy>>();
  const kept: Array<LoadedDocument<SharingPolicy>> = [];
  const errors: LoadError[] = [];
  for (const d of docs) {
    if (!d.value.enabled) {
      kept.push(d);
      continue;
    }
    const clash = asList(d.value.jurisdiction).map((j) => [j, owner.get(j)] as const).find(([, o]) => o);
    if (clash) {
      const [j, first] = clash;
      errors.push({ file: d.file, line: d.line, column: d.column, path: 'jurisdiction', message: `jurisdiction ${j} already has SharingPolicy ${first!.value.id}`, hint: `first defined at ${first!.file}:${first!.line}:${first!.column}` });
      continue;
    }
    for (const j of asList(d.value.jurisdiction)) owner.set(j, d);
    kept.push(d);
  }
  return { kept, errors };
}

/**
 * The SharingPolicy documents in force, loaded from `sharing.policiesDir` with the shared YAML
 * loader (errors as file:line:col). Invalid documents are left out; the hierarchy's defaults
 * apply to jurisdictions without a policy.
 */
@Injectable()
export class SharingPoliciesService implements OnModuleInit {
  private readonly log = new Logger('sharing-policies');
  private trust: TrustPolicies;
  private loadErrors: LoadError[] = [];
  readonly hierarchy: Hierarchy;

  constructor(@Inject(CONFIG) private readonly config: GwanjeConfig, private readonly jurisdictions: JurisdictionsService) {
    this.hierarchy = {
      has: (id) => jurisdictions.has(id),
      parentOf: (id) => (jurisdictions.has(id) ? jurisdictions.get(id).parent : null),
      ancestors: (id) => (jurisdictions.has(id) ? jurisdictions.ancestors(id) : []),
    };
    this.trust = this.build([]);
  }

  onModuleInit() {
    this.reload();
  }

  current(): TrustPolicies {
    return this.trust;
  }

  errors(): LoadError[] {
    return this.loadErrors;
  }

  private build(policies: SharingPolicy[]): TrustPolicies {
    const r = this.config.sharing.review;
    return new TrustPolicies(policies, this.hierarchy, { timeoutMs: configDuration(r.timeout), onTimeout: r.onTimeout, quorum: r.quorum });
  }

  /** Load every SharingPolicy under the policies directory. */
  reload(): TrustPolicies {
    const dir = path.resolve(this.config.sharing.policiesDir);
    if (!existsSync(dir)) {
      this.log.warn({ dir }, 'no sharing policies directory; hierarchy defaults apply');
      return this.replace([]);
    }
    const known = new Set(this.jurisdictions.list().map((j) => j.id));
    const res = withKnownJurisdictions(known, () => loadPaths<SharingPolicy>([dir], { kinds: ['SharingPolicy'] }));
    const t = this.replace(res.documents, res.errors);
    this.log.log({ dir, policies: t.policies.length, errors: this.loadErrors.length }, 'sharing policies loaded');
    return t;
  }

  /** Swap the whole set at once (tests, a playbooks file watcher). */
  replace(docs: Array<LoadedDocument<SharingPolicy>> | SharingPolicy[], errors: LoadError[] = []): TrustPolicies {
    const loaded = docs.map((d, i) => ('value' in d ? d : ({ file: '(api)', index: i, line: 1, column: 1, kind: 'SharingPolicy', id: d.id, value: d, hash: '' } as LoadedDocument<SharingPolicy>)));
    const { kept, errors: clashes } = conflictErrors(loaded);
    this.loadErrors = [...errors, ...clashes];
    for (const e of this.loadErrors) this.log.error({ error: formatLoadError(e) }, 'sharing policy not loaded');
    this.trust = this.build(kept.map((d) => d.value));
    return this.trust;
  }
}
