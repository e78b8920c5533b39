import { parseNet } from '../../contracts/net';
import type { Effects, JurisdictionTree, Refusal } from './effects';

export interface DryOptions {
  jurisdictions: JurisdictionTree;
  minPrefix: { v4: number; v6: number };
  escalation: { enabled: boolean; factor: number; maxMs: number };
  /** Earlier bans of every target (tests' given.previous_bans). */
  previousBans?: number;
  /** Every target is allowlisted (tests' given.allowlisted). */
  allowlisted?: boolean;
  /** Extra never-block check (bundled ranges, the jurisdictions' own networks...). */
  allowlist?: (value: string, jurisdiction: string) => Promise<string | null> | string | null;
}

const noSideEffects = (what: string) => () => Promise.reject(new Error(`${what}: a dry run has no side effects`));

/** Effects of a dry run (simulate, `gwanje test`, backtests): read-only checks, no side effects at all. */
export function dryEffects(o: DryOptions): Effects {
  return {
    ban: noSideEffects('ban'),
    unban: noSideEffects('unban'),
    share: noSideEffects('share'),
    notify: noSideEffects('notify'),
    tag: noSideEffects('tag'),
    requestApproval: noSideEffects('approval'),
    releaseBudget: async () => undefined,
    takeBudget: async () => ({ ok: true, count: 0 }),
    tripBreaker: async () => ({ approvalId: null }),
    breakerOpen: async () => null,
    activeDecision: async () => null,
    previousBans: async () => o.previousBans ?? 0,
    escalated(base, repeat, escalate) {
      if (!escalate || !o.escalation.enabled || repeat === 0) return base;
      return Math.min(base * Math.pow(o.escalation.factor, repeat), Math.max(o.escalation.maxMs, base));
    },
    async checkTarget(value, jurisdiction): Promise<Refusal | null> {
      const net = parseNet(value);
      if (!net) return { code: 'invalid', refused: `${value} is not an IP address or CIDR` };
      if (net.prefix === 0) return { code: 'prefix', refused: `${net.text} would block every address; /0 is never allowed` };
      const min = net.family === 4 ? o.minPrefix.v4 : o.minPrefix.v6;
      if (!net.host && net.prefix < min) return { code: 'prefix', refused: `${net.text} is wider than allowed: IPv${net.family} prefixes shorter than /${min} are refused` };
      if (o.allowlisted) return { code: 'allowlisted', refused: `${net.text} is allowlisted (test)` };
      const why = o.allowlist ? await o.allowlist(net.text, jurisdiction) : null;
      return why ? { code: 'allowlisted', refused: why } : null;
    },
    jurisdictions: o.jurisdictions,
  };
}

/** A jurisdiction tree from config-like declarations. */
export function treeOf(list: Array<{ id: string; parent: string | null }>): JurisdictionTree {
  const children = new Map<string, string[]>();
  for (const j of list) children.set(j.id, []);
  for (const j of list) if (j.parent) children.get(j.parent)?.push(j.id);
  const tree: JurisdictionTree = {
    has: (id) => children.has(id),
    children: (id) => children.get(id) ?? [],
    subtree(id) {
      const out = new Set<string>();
      const walk = (x: string) => {
        out.add(x);
        for (const c of children.get(x) ?? []) walk(c);
      };
      walk(id);
      return out;
    },
  };
  return tree;
}
