import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import path from 'node:path';
import { CONFIG } from '../../infra/config/config.module';
import type { GwanjeConfig } from '../../infra/config/config.schema';
import { documentKinds } from '../../playbooks/loader/kinds';
import { formatLoadError, loadPaths, type LoadError, type LoadedDocument } from '../../playbooks/loader/loader';
import { configDuration } from '../../contracts/duration';
import { compileRule, type CompiledRule } from './matcher';
import { DetectionRuleKind, type DetectionRule } from './rule.schema';

documentKinds.register(DetectionRuleKind);

export interface RuleSet {
  rules: CompiledRule[];
  byId: ReadonlyMap<string, CompiledRule>;
  errors: LoadError[];
  loadedAt: string;
}

/** Compile loaded DetectionRule documents (enabled ones only) into a rule set. */
export function buildRuleSet(docs: Array<LoadedDocument<DetectionRule>> | DetectionRule[], defaultWindowMs: number, errors: LoadError[] = []): RuleSet {
  const rules = docs
    .map((d) => ('value' in d ? d.value : d))
    .filter((r) => r.enabled)
    .map((r) => compileRule(r, defaultWindowMs));
  return { rules, byId: new Map(rules.map((r) => [r.id, r])), errors, loadedAt: new Date().toISOString() };
}

/**
 * The detection rules in force. Loaded from `detection.rulesDir` at startup through the shared
 * YAML loader; `replace` swaps the whole set at once (the playbooks file watcher calls it).
 */
@Injectable()
export class DetectionRulesService implements OnModuleInit {
  private readonly log = new Logger('detection-rules');
  private set: RuleSet = buildRuleSet([], 300_000);

  constructor(@Inject(CONFIG) private readonly config: GwanjeConfig) {}

  onModuleInit() {
    this.reload();
  }

  current(): RuleSet {
    return this.set;
  }

  /** Load every DetectionRule under the rules directory; invalid documents are left out and reported. */
  reload(): RuleSet {
    const dir = path.resolve(this.config.detection.rulesDir);
    const res = loadPaths<DetectionRule>([dir], { kinds: ['DetectionRule'] });
    for (const e of res.errors) this.log.error({ error: formatLoadError(e) }, 'detection rule not loaded');
    this.replace(res.documents, res.errors);
    this.log.log({ dir, rules: this.set.rules.length, errors: res.errors.length }, 'detection rules loaded');
    return this.set;
  }

  replace(docs: Array<LoadedDocument<DetectionRule>> | DetectionRule[], errors: LoadError[] = []): RuleSet {
    this.set = buildRuleSet(docs, configDuration(this.config.detection.defaultWindow), errors);
    return this.set;
  }
}
