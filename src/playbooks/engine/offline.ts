import { BUNDLED_NEVER_BLOCK } from '../../blocklist/allowlist.bundled';
import { configDuration, parseDuration } from '../../contracts/duration';
import { mustParseNet, overlaps, parseNet } from '../../contracts/net';
import type { GwanjeConfig } from '../../infra/config/config.schema';
import { setPlaybookContext } from '../model/playbook.schema';
import { setCelLimits } from '../loader/cel';
import { treeOf, type DryOptions } from './dry-effects';
import type { ExecutorOptions } from './executor';

/**
 * What the CLI (validate, test, simulate, backtest) needs from the configuration without a server:
 * the deployment context for validation, the executor options, and read-only dry effects with the
 * never-block ranges that need no Redis (bundled ranges and the jurisdictions' own networks).
 */

/** Validate against the configured jurisdictions and webhook secrets, as the server does. */
export function useConfigContext(config: GwanjeConfig) {
  setCelLimits(config.cel);
  setPlaybookContext({ jurisdictions: new Map(config.jurisdictions.map((j) => [j.id, { parent: j.parent }])), secrets: new Set(Object.keys(config.playbooks.webhooks.secrets)), webhookAllow: config.playbooks.webhooks.allow });
}

export function executorOptionsOf(config: GwanjeConfig): ExecutorOptions {
  const p = config.playbooks;
  return {
    stepTimeoutMs: parseDuration(p.stepTimeout)!,
    stepAttempts: p.stepAttempts,
    stepBackoffMs: parseDuration(p.stepBackoff)!,
    blastRadiusPerHour: p.blastRadiusPerHour,
    approvalTimeoutMs: parseDuration(p.approvalTimeout)!,
    webhookTimeoutMs: p.webhooks.timeoutMs,
  };
}

/** Dry-run options from the config: the jurisdiction tree, block-list limits, escalation, fixed never-block ranges. */
export function offlineDryOptions(config: GwanjeConfig): Omit<DryOptions, 'previousBans' | 'allowlisted'> {
  const fixed = [
    ...config.jurisdictions.flatMap((j) => j.cidrs.map((c) => ({ net: mustParseNet(c), reason: `own network of ${j.id}` }))),
    ...BUNDLED_NEVER_BLOCK.map((b) => ({ net: mustParseNet(b.value), reason: `never-block range ${b.value}: ${b.reason}` })),
  ];
  return {
    jurisdictions: treeOf(config.jurisdictions.map((j) => ({ id: j.id, parent: j.parent ?? null }))),
    minPrefix: config.blocklist.minPrefix,
    escalation: { enabled: config.blocklist.escalation.enabled, factor: config.blocklist.escalation.factor, maxMs: configDuration(config.blocklist.escalation.max) },
    allowlist: (value) => {
      const net = parseNet(value);
      if (!net) return null;
      const hit = fixed.find((f) => overlaps(f.net, net));
      return hit ? `${net.text} overlaps ${hit.reason}` : null;
    },
  };
}
