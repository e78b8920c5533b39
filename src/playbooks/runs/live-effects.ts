import type { AuditService } from '../../audit/audit.service';
import type { AllowlistService } from '../../blocklist/allowlist.service';
import type { DecisionsService } from '../../blocklist/decisions.service';
import type { GwanjeConfig } from '../../infra/config/config.schema';
import type { JurisdictionsService } from '../../jurisdictions/jurisdictions.service';
import type { SharingPort } from '../../sharing/sharing.port';
import type { ApprovalsPort } from '../../approvals/approvals.port';
import type { Effects, JurisdictionTree } from '../engine/effects';
import { PermanentError } from '../engine/errors';
import { WebhookUnreachable, postWebhook } from '../engine/webhook';
import { webhookAllow } from '../engine/webhook-target';
import type { GuardsStore } from './guards.store';
import type { TagsStore } from './tags.store';

export interface LiveDeps {
  config: GwanjeConfig;
  decisions: DecisionsService;
  allowlist: AllowlistService;
  jurisdictions: JurisdictionsService;
  approvals: ApprovalsPort;
  guards: GuardsStore;
  tags: TagsStore;
  audit: AuditService;
  sharing?: SharingPort;
  log: { warn(obj: unknown, msg: string): void };
}

export function jurisdictionTree(j: JurisdictionsService): JurisdictionTree {
  return { has: (id) => j.has(id), children: (id) => [...j.get(id).children], subtree: (id) => j.subtree(id) };
}

/** A webhook secret by name: its value in the config, or the environment variable the config names. */
export function webhookSecret(config: GwanjeConfig, name: string): string | null {
  const s = config.playbooks.webhooks.secrets[name];
  if (!s) return null;
  if ('value' in s) return s.value;
  return process.env[s.env] || null;
}

/**
 * The worker's effects: the block-list, sharing, webhooks, tags, approvals and the guards' store.
 * With `readOnly`, the acting methods refuse (simulate with the server's real allowlists and history).
 */
export function liveEffects(d: LiveDeps, readOnly = false): Effects {
  const deny = (what: string) => () => Promise.reject(new Error(`${what}: a dry run has no side effects`));
  const allow = webhookAllow(d.config.playbooks.webhooks.allow);
  const acting: Pick<Effects, 'ban' | 'unban' | 'share' | 'linkShare' | 'notify' | 'tag' | 'requestApproval'> = {
    ban: (input) => d.decisions.ban(input),
    linkShare: async (shareId, decision) => d.sharing?.linkDecision?.(shareId, decision),
    unban: (value, jurisdiction, by) => d.decisions.endValue(value, jurisdiction, by),
    async share(req) {
      if (!d.sharing) throw new PermanentError('sharing is not available in this deployment (no sharing service)');
      return d.sharing.share(req);
    },
    async notify(req) {
      const secret = webhookSecret(d.config, req.secret);
      if (!secret) throw new PermanentError(`webhook secret ${req.secret} is not configured (playbooks.webhooks.secrets.${req.secret})`);
      try {
        return await postWebhook({ ...req, secret, allow, signatureHeader: d.config.playbooks.webhooks.signatureHeader });
      } catch (e) {
        // The run record says "unreachable" whatever happened; the operator's log says what.
        if (e instanceof WebhookUnreachable) d.log.warn({ url: req.url, cause: e.detail }, 'webhook unreachable');
        throw e;
      }
    },
    async tag(req) {
      const at = new Date();
      const expires = new Date(at.getTime() + req.ttlMs).toISOString();
      await d.tags.add(req.ip, req.tags.map((tag) => ({ tag, jurisdiction: req.jurisdiction, note: req.note, playbook: req.playbookId, run: req.runId, at: at.toISOString(), expires })));
    },
    requestApproval: (req) => d.approvals.request(req),
  };
  return {
    ...(readOnly ? { ban: deny('ban'), unban: deny('unban'), share: deny('share'), notify: deny('notify'), tag: deny('tag'), requestApproval: deny('approval') } : acting),
    async checkTarget(value, jurisdiction) {
      const c = d.decisions.checkValue(value);
      if (!c.ok) return { code: c.code, refused: c.refused };
      const { match } = await d.allowlist.match(c.net, jurisdiction);
      return match ? { code: 'allowlisted', refused: `${c.net.text} is allowlisted: ${match.reason} (${match.source} ${match.value})` } : null;
    },
    previousBans: (value, jurisdiction) => d.decisions.recentBanCount(value, jurisdiction),
    escalated: (base, repeat, escalate) => d.decisions.escalated(base, repeat, escalate),
    async activeDecision(value, jurisdiction) {
      const x = await d.decisions.findActive(value, jurisdiction);
      return x ? { id: x.id, expires: x.expires } : null;
    },
    breakerOpen: (id) => d.guards.breaker(id),
    takeBudget: readOnly ? async () => ({ ok: true, count: 0 }) : (id, member, cap) => d.guards.take(id, member, cap),
    releaseBudget: readOnly ? async () => undefined : (id, member) => d.guards.release(id, member),
    async tripBreaker(info) {
      if (readOnly) return { approvalId: null };
      const reason = `blast radius: ${info.count} side effects within an hour (cap ${info.cap})`;
      const opened = await d.guards.open(info.playbookId, { openedAt: new Date().toISOString(), reason, runId: info.runId, approvalId: null });
      if (!opened) return { approvalId: (await d.guards.breaker(info.playbookId))?.approvalId ?? null };
      d.log.warn({ playbookId: info.playbookId, runId: info.runId, cap: info.cap, count: info.count }, 'circuit breaker opened: the playbook stops acting');
      await d.audit.record({ actor: { type: 'playbook-run', id: info.runId, jurisdiction: info.owner }, action: 'playbook.breaker-opened', jurisdiction: info.owner, target: { type: 'playbook', id: info.playbookId }, reason, detail: { cap: info.cap, count: info.count } });
      const { id } = await d.approvals.request({
        jurisdiction: info.owner,
        kind: 'circuit-breaker',
        summary: `Playbook ${info.playbookId} reached its blast radius (${info.cap} side effects per hour) and stopped acting. Approve to resume it.`,
        change: { playbook: info.playbookId, action: 'resume', cap: info.cap, count: info.count, trippedBy: info.runId },
        approvers: { roles: ['admin', 'analyst'], jurisdictions: [info.owner] },
        quorum: 1,
        timeoutMs: 24 * 3_600_000,
        onTimeout: 'deny',
        requestedBy: { type: 'system', id: 'playbooks' },
        subject: { playbookId: info.playbookId },
        idempotencyKey: `breaker:${info.playbookId}:${info.runId}`,
      });
      await d.guards.setApproval(info.playbookId, id);
      return { approvalId: id };
    },
    jurisdictions: jurisdictionTree(d.jurisdictions),
  };
}
