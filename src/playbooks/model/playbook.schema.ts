import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import { compileCel, type CelDecl } from '../loader/cel';
import { API_VERSION, type KindDefinition, type KindIssue } from '../loader/kinds';
import { TriggerType } from '../triggers';
import { compileTemplate } from './template';
import { celVariablesFor, testTriggerSchema, VARIABLE_HINT } from './variables';
import { flattenIssues } from '../loader/loader';
import { webhookAllow, webhookUrlRefusal } from '../engine/webhook-target';
import { DURATION_RE, durationText, parseDuration } from '../../contracts/duration';
import { Tlp } from '../../contracts/tlp';

/**
 * `kind: Playbook`: what an officer writes. Strict (unknown keys are refused), CEL compiled and
 * type-checked against the trigger's variables at load, templates (`{{ expr }}`) likewise.
 */

export const PLAYBOOK_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;
const Id = z.string().regex(PLAYBOOK_ID, 'lower-case letters, digits and dashes (at most 63)');
const JurisdictionId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'a jurisdiction id');
const Duration = durationText();
/** A duration that must be given: "missing" when absent. */
const RequiredDuration = z.string({ error: (iss) => (iss.input === undefined ? 'missing' : 'a duration like 30s, 15m, 24h or 7d') }).regex(DURATION_RE, 'a duration like 30s, 15m, 24h or 7d');
const Cel = z.string().min(1).max(4096);
const Text = z.string().min(1).max(4096);
export { Tlp };
const Role = z.enum(['admin', 'analyst']);

export const Status = z.enum(['draft', 'shadow', 'enforcing', 'disabled']);
export type Status = z.infer<typeof Status>;

/** Where a block or unblock applies: the owner, its children, its whole subtree, the reporting jurisdictions, or listed ones. */
export const Scope = z.union([z.enum(['own', 'children', 'subtree', 'reporters']), z.strictObject({ jurisdictions: z.array(JurisdictionId).min(1).max(300) })]);
export type Scope = z.infer<typeof Scope>;

const Escalation = z.union([
  z.boolean(),
  z.strictObject({
    /** Duration × factor^n for the n-th earlier ban of the value in the jurisdiction (within the block-list's look-back). */
    factor: z.number().min(1).max(100),
    max: Duration,
  }),
]);

export const BlockStep = z.strictObject({
  /** CEL giving the IP or CIDR; default the trigger's IP. */
  target: Cel.optional(),
  duration: RequiredDuration,
  escalate: Escalation.default(true),
  scope: Scope.default('own'),
  reason: Text.optional(),
  tlp: Tlp.optional(),
});
export const UnblockStep = z.strictObject({ target: Cel.optional(), scope: Scope.default('own'), reason: Text.optional() });
export const ShareStep = z.strictObject({
  /** Jurisdiction ids, or the groups children | parent | siblings | all. */
  to: z.array(z.string().min(1)).min(1).max(300),
  tlp: Tlp,
  min_confidence: z.number().min(0).max(100).optional(),
  ttl: Duration.default('24h'),
  target: Cel.optional(),
  reason: Text.optional(),
});
export const NotifyStep = z.strictObject({
  url: z
    .string()
    .url('an http(s) URL')
    .refine((u) => /^https?:\/\//i.test(u), 'an http(s) URL'),
  /** Name of a secret in playbooks.webhooks.secrets: the body is signed with HMAC-SHA256. */
  secret: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'the name of a secret in playbooks.webhooks.secrets'),
  /** Any YAML value; strings may hold {{ expressions }}. Default: the run summary. */
  body: z.unknown().optional(),
  headers: z.record(z.string().regex(/^[A-Za-z0-9-]+$/, 'a header name'), z.string().max(1024)).optional(),
});
export const ApproveStep = z.strictObject({
  approvers: z
    .strictObject({
      roles: z.array(Role).min(1).default(['admin', 'analyst']),
      /** Default: the playbook's owner (keys of it and of its ancestors may approve). */
      jurisdictions: z.array(JurisdictionId).min(1).optional(),
    })
    .prefault({}),
  /** Distinct approvers needed. */
  quorum: z.number().int().min(1).max(10).default(1),
  timeout: Duration.optional(),
  on_timeout: z.enum(['deny', 'approve']).default('deny'),
  summary: Text.optional(),
});
export const TagStep = z.strictObject({
  tags: z.array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,62}$/, 'letters, digits and _ . : -')).min(1).max(20),
  note: Text.optional(),
  target: Cel.optional(),
  ttl: Duration.default('30d'),
});

export const ACTIONS = ['block', 'unblock', 'share', 'notify', 'approve', 'tag'] as const;
export type Action = (typeof ACTIONS)[number];

export const Step = z
  .strictObject({
    id: Id,
    description: z.string().max(2000).optional(),
    if: Cel.optional(),
    timeout: Duration.optional(),
    retry: z.strictObject({ attempts: z.number().int().min(1).max(10), backoff: Duration.default('1s') }).optional(),
    /** Template; the same key never acts twice (default: per run and step). */
    idempotency_key: z.string().min(1).max(200).optional(),
    block: BlockStep.optional(),
    unblock: UnblockStep.optional(),
    share: ShareStep.optional(),
    notify: NotifyStep.optional(),
    approve: ApproveStep.optional(),
    tag: TagStep.optional(),
  })
  .superRefine((s, ctx) => {
    const given = ACTIONS.filter((a) => s[a] !== undefined);
    if (given.length !== 1)
      ctx.addIssue({ code: 'custom', path: [], message: given.length ? `one action per step, got ${given.join(' and ')}` : `no action: give one of ${ACTIONS.join(', ')}` });
  });
export type Step = z.infer<typeof Step>;

export const actionOf = (s: Step): Action => ACTIONS.find((a) => s[a] !== undefined)!;

/** Each action's arguments as parsed. */
export type StepArgs = {
  block: z.infer<typeof BlockStep>;
  unblock: z.infer<typeof UnblockStep>;
  share: z.infer<typeof ShareStep>;
  notify: z.infer<typeof NotifyStep>;
  approve: z.infer<typeof ApproveStep>;
  tag: z.infer<typeof TagStep>;
};
/** A step's action with its arguments, discriminated by `action`. */
export type StepCall = { [K in Action]: { action: K; args: StepArgs[K] } }[Action];

/** The YAML keeps one optional key per action (for located errors); code gets the union. */
export function stepCall(s: Step): StepCall {
  if (s.block) return { action: 'block', args: s.block };
  if (s.unblock) return { action: 'unblock', args: s.unblock };
  if (s.share) return { action: 'share', args: s.share };
  if (s.notify) return { action: 'notify', args: s.notify };
  if (s.approve) return { action: 'approve', args: s.approve };
  if (s.tag) return { action: 'tag', args: s.tag };
  throw new Error(`step ${s.id} has no action`); // the schema refuses such steps
}

export const Guards = z.strictObject({
  /** Side effects (block, unblock, share) per hour before the circuit breaker opens. Default playbooks.blastRadiusPerHour. */
  max_actions_per_hour: z.number().int().min(1).max(1_000_000).optional(),
  /** Refuse targets wider than these prefixes (the block-list's own minimum applies too). */
  min_prefix: z.strictObject({ v4: z.number().int().min(1).max(32).optional(), v6: z.number().int().min(1).max(128).optional() }).optional(),
});

export const PlaybookTest = z.strictObject({
  name: z.string().min(1).max(200),
  /** `threat:` (threat.flagged, manual), `indicator:` (shared.indicator) or `alert:` (alert). */
  trigger: z.record(z.string(), z.unknown()),
  given: z
    .strictObject({
      /** Earlier bans of the target (repeat offender escalation). */
      previous_bans: z.number().int().min(0).max(100).default(0),
      /** How approvals end. */
      approval: z.enum(['approve', 'deny', 'timeout']).default('approve'),
      /** The target is on an allowlist. */
      allowlisted: z.boolean().default(false),
    })
    .prefault({}),
  expect: z.strictObject({
    /** false: the trigger's `if` does not match (no run). */
    triggered: z.boolean().default(true),
    status: z.enum(['succeeded', 'failed', 'denied', 'refused', 'halted', 'waiting']).optional(),
    /** Step ids that act (or would act), in order. */
    steps: z.array(z.string()).optional(),
    /** Step ids skipped (their `if` was false, or the run stopped before them). */
    skipped: z.array(z.string()).optional(),
    decisions: z.array(z.strictObject({ value: z.string(), jurisdiction: z.string().optional(), duration: Duration.optional() })).optional(),
  }),
});
export type PlaybookTest = z.infer<typeof PlaybookTest>;

export const Playbook = z.strictObject({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('Playbook'),
  id: Id,
  name: z.string().min(1).max(200),
  description: z.string().max(4000).optional(),
  owner: JurisdictionId,
  status: Status,
  trigger: z.strictObject({ on: TriggerType, if: Cel.optional() }),
  guards: Guards.prefault({}),
  steps: z.array(Step).min(1).max(50),
  tests: z.array(PlaybookTest).max(100).optional(),
});
export type Playbook = z.infer<typeof Playbook>;

/** Context the server (or CLI, from config) knows: declared jurisdictions and webhook secrets. */
export interface PlaybookContext {
  jurisdictions: Map<string, { parent: string | null }>;
  secrets: Set<string>;
  /** playbooks.webhooks.allow: internal webhook receivers (CIDRs, host names). */
  webhookAllow?: readonly string[];
}
let context: PlaybookContext | null = null;
/** Checks against the deployment (owners, scopes, secrets) run only once a context is set. */
export function setPlaybookContext(c: PlaybookContext | null) {
  context = c;
}

const subtreeOf = (ctx: PlaybookContext, id: string) => {
  const out = new Set<string>([id]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [j, v] of ctx.jurisdictions) {
      if (v.parent && out.has(v.parent) && !out.has(j)) {
        out.add(j);
        grew = true;
      }
    }
  }
  return out;
};

/** Every CEL expression and template of a playbook, with its path and result type. */
export function expressionsOf(pb: Playbook): Array<{ path: Array<string | number>; source: string; kind: 'cel' | 'template'; result?: CelDecl }> {
  const out: Array<{ path: Array<string | number>; source: string; kind: 'cel' | 'template'; result?: CelDecl }> = [];
  if (pb.trigger.if) out.push({ path: ['trigger', 'if'], source: pb.trigger.if, kind: 'cel', result: 'bool' });
  pb.steps.forEach((s, i) => {
    const at = (...p: Array<string | number>) => ['steps', i, ...p];
    const a = actionOf(s);
    if (s.if) out.push({ path: at('if'), source: s.if, kind: 'cel', result: 'bool' });
    if (s.idempotency_key) out.push({ path: at('idempotency_key'), source: s.idempotency_key, kind: 'template' });
    const args = s[a] as Record<string, unknown>;
    if (typeof args.target === 'string') out.push({ path: at(a, 'target'), source: args.target, kind: 'cel', result: 'string' });
    for (const k of ['reason', 'summary', 'note'] as const) if (typeof args[k] === 'string') out.push({ path: at(a, k), source: args[k], kind: 'template' });
    if (a === 'notify') {
      const n = s.notify!;
      for (const [k, v] of Object.entries(n.headers ?? {})) out.push({ path: at('notify', 'headers', k), source: v, kind: 'template' });
      walkStrings(n.body, at('notify', 'body'), (p, v) => out.push({ path: p, source: v, kind: 'template' }));
    }
  });
  return out;
}

function walkStrings(v: unknown, path: Array<string | number>, f: (p: Array<string | number>, s: string) => void) {
  if (typeof v === 'string') f(path, v);
  else if (Array.isArray(v)) v.forEach((x, i) => walkStrings(x, [...path, i], f));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walkStrings(x, [...path, k], f);
}

function checkPlaybook(pb: Playbook): KindIssue[] {
  const issues: KindIssue[] = [];
  const vars = celVariablesFor(pb.trigger.on);
  const hint = VARIABLE_HINT[pb.trigger.on];
  for (const e of expressionsOf(pb)) {
    if (e.kind === 'cel') {
      const c = compileCel(e.source, vars, { result: e.result });
      if (!c.ok) issues.push({ path: e.path, message: `CEL: ${c.message}`, offset: c.offset, hint });
    } else {
      const t = compileTemplate(e.source, vars);
      if (!t.ok) issues.push({ path: e.path, message: t.message, offset: t.offset, hint });
    }
  }
  const seen = new Map<string, number>();
  pb.steps.forEach((s, i) => {
    if (seen.has(s.id)) issues.push({ path: ['steps', i, 'id'], message: `duplicate step id ${JSON.stringify(s.id)} (also steps[${seen.get(s.id)}])` });
    else seen.set(s.id, i);
    const a = actionOf(s);
    // Literal addresses and localhost need no DNS: refuse them here; host names are checked when posting.
    const refused = s.notify && webhookUrlRefusal(s.notify.url, webhookAllow(context?.webhookAllow ?? []));
    if (refused) issues.push({ path: ['steps', i, 'notify', 'url'], message: `webhook target refused: ${refused}`, hint: 'an internal receiver must be listed in playbooks.webhooks.allow (CIDR or host name)' });
    if (a === 'approve' && pb.trigger.on === 'alert') issues.push({ path: ['steps', i, 'approve'], message: 'approvals are not available on alert triggers', hint: 'flag the IP with a DetectionRule and trigger on threat.flagged' });
  });
  // Blocks expire: a duration of 0 would never have been a block.
  pb.steps.forEach((s, i) => {
    if (s.block && parseDuration(s.block.duration) === 0) issues.push({ path: ['steps', i, 'block', 'duration'], message: 'must be longer than 0', hint: 'blocks must expire, e.g. duration: 24h' });
    if (s.block && typeof s.block.escalate === 'object' && !DURATION_RE.test(s.block.escalate.max)) issues.push({ path: ['steps', i, 'block', 'escalate', 'max'], message: 'a duration like 30d' });
  });
  pb.tests?.forEach((t, i) => {
    const parsed = testTriggerSchema(pb.trigger.on).safeParse(t.trigger);
    if (!parsed.success) for (const x of flattenIssues(parsed.error.issues, ['tests', i, 'trigger'])) issues.push({ ...x, hint: x.hint ?? `a ${pb.trigger.on} test gives ${pb.trigger.on === 'shared.indicator' ? 'indicator:' : pb.trigger.on === 'alert' ? 'alert: (and threat:)' : 'threat:'} with the fields the playbook reads` });
    const known = new Set(pb.steps.map((s) => s.id));
    for (const key of ['steps', 'skipped'] as const)
      t.expect[key]?.forEach((id, k) => {
        if (!known.has(id)) issues.push({ path: ['tests', i, 'expect', key, k], message: `no step ${JSON.stringify(id)} in this playbook`, hint: `steps: ${[...known].join(', ')}` });
      });
    t.expect.decisions?.forEach((d, k) => {
      if (!validTarget(d.value)) issues.push({ path: ['tests', i, 'expect', 'decisions', k, 'value'], message: `${d.value} is not an IP address or CIDR` });
    });
  });
  if (context) issues.push(...checkContext(pb, context));
  return issues;
}

function validTarget(v: string): boolean {
  try {
    if (v.includes('/')) ipaddr.parseCIDR(v);
    else ipaddr.parse(v);
    return true;
  } catch {
    return false;
  }
}

function checkContext(pb: Playbook, ctx: PlaybookContext): KindIssue[] {
  const issues: KindIssue[] = [];
  const known = [...ctx.jurisdictions.keys()];
  const list = known.length > 12 ? `${known.slice(0, 12).join(', ')}, ...` : known.join(', ');
  if (!ctx.jurisdictions.has(pb.owner)) return [{ path: ['owner'], message: `jurisdiction ${pb.owner} is not declared`, hint: `one of ${list}` }];
  const subtree = subtreeOf(ctx, pb.owner);
  const mustBeBelow = (path: Array<string | number>, j: string) => {
    if (!ctx.jurisdictions.has(j)) issues.push({ path, message: `jurisdiction ${j} is not declared`, hint: `one of ${list}` });
    else if (!subtree.has(j)) issues.push({ path, message: `${j} is outside ${pb.owner}'s jurisdictions`, hint: `a playbook acts in its owner and the jurisdictions below it` });
  };
  pb.steps.forEach((s, i) => {
    for (const a of ['block', 'unblock'] as const) {
      const scope = s[a]?.scope;
      if (scope && typeof scope === 'object') scope.jurisdictions.forEach((j, k) => mustBeBelow(['steps', i, a, 'scope', 'jurisdictions', k], j));
    }
    s.approve?.approvers.jurisdictions?.forEach((j, k) => {
      if (!ctx.jurisdictions.has(j)) issues.push({ path: ['steps', i, 'approve', 'approvers', 'jurisdictions', k], message: `jurisdiction ${j} is not declared`, hint: `one of ${list}` });
    });
    s.share?.to.forEach((j, k) => {
      // peers / peer:<id>: other deployments (config peers[]); the sharing service names an unknown one in the step's result.
      if (!['children', 'parent', 'siblings', 'all', 'peers'].includes(j) && !/^peer:[a-z0-9][a-z0-9-]{0,62}$/.test(j) && !ctx.jurisdictions.has(j))
        issues.push({ path: ['steps', i, 'share', 'to', k], message: `${j} is neither a declared jurisdiction nor a group`, hint: 'groups: children, parent, siblings, all; other deployments: peers, peer:<id>' });
    });
    if (s.notify && !ctx.secrets.has(s.notify.secret))
      issues.push({ path: ['steps', i, 'notify', 'secret'], message: `no secret ${JSON.stringify(s.notify.secret)} in playbooks.webhooks.secrets`, hint: ctx.secrets.size ? `declared: ${[...ctx.secrets].join(', ')}` : 'declare it in the config: playbooks.webhooks.secrets' });
  });
  return issues;
}

export const PlaybookKind: KindDefinition<typeof Playbook> = {
  kind: 'Playbook',
  schema: Playbook,
  idOf: (pb) => pb.id,
  check: checkPlaybook,
  hints: {
    'block.duration': 'blocks must expire, e.g. duration: 24h',
    status: 'draft (not run), shadow (runs, records what it would do), enforcing (acts) or disabled',
    'trigger.on': 'one of threat.flagged, alert, shared.indicator, manual',
    owner: 'the jurisdiction id whose officers own the playbook, e.g. owner: seoul-jongno',
    'share.tlp': 'one of CLEAR, GREEN, AMBER, AMBER+STRICT, RED',
    steps: 'a list of steps, each with an id and one action (block, unblock, share, notify, approve, tag)',
    'approve.quorum': 'distinct approvers needed, e.g. quorum: 2',
    'approve.on_timeout': 'deny (default) or approve',
  },
};
