import type { Command } from 'commander';
import { AuditService } from '../audit/audit.service';
import { AuditStore } from '../audit/audit.store';
import { parseExpiry } from '../blocklist/allowlist.controller';
import { AllowlistService } from '../blocklist/allowlist.service';
import { AllowlistStore } from '../blocklist/allowlist.store';
import { Tlp, type Decision } from '../blocklist/decisions.schemas';
import { DecisionsService } from '../blocklist/decisions.service';
import { DecisionsStore } from '../blocklist/decisions.store';
import { EventBus } from '../infra/events/event-bus';
import { formatDuration, parseDuration } from '../contracts/duration';
import { parseNet } from '../contracts/net';
import { DomainError } from '../contracts/errors';
import { openContext, type CliContext } from './context';
import { fail, withContext } from './output';

/**
 * `gwanje block`, `unblock`, `allow`: the same DecisionsService and AllowlistService as the API and
 * playbooks (same checks, same audit trail), written straight to Redis; running API processes see
 * the change on their next feed request. Exit 2: bad input; 3: refused by policy (allowlist, prefix).
 */

const user = process.env.USER ?? 'cli';
const CLI_ACTOR = { type: 'cli' as const, id: user };

interface BlocklistCli {
  decisions: DecisionsService;
  allowlist: AllowlistService;
}

/** The services over the CLI's Redis connection, wired as the Nest module wires them. */
function services(ctx: CliContext): BlocklistCli {
  const audit = new AuditService(new AuditStore(ctx.redis, ctx.config));
  const allowlistStore = new AllowlistStore(ctx.redis, ctx.config);
  const allowlist = new AllowlistService(allowlistStore, ctx.jurisdictions, audit, ctx.config);
  const decisions = new DecisionsService(new DecisionsStore(ctx.redis, ctx.config), allowlist, allowlistStore, ctx.jurisdictions, audit, ctx.config, new EventBus());
  return { decisions, allowlist };
}

function mustJurisdiction(ctx: CliContext, id: string | undefined): string {
  if (!id) fail('--jurisdiction is required');
  if (!ctx.jurisdictions.has(id)) fail(`--jurisdiction: ${id} is not declared (known: ${ctx.jurisdictions.list().map((j) => j.id).join(', ')})`);
  return id;
}

function mustValue(value: string): string {
  const net = parseNet(value);
  if (!net) fail(`${value} is not an IP address or CIDR (e.g. 203.0.113.5, 203.0.113.0/24, 2001:db8::/48)`);
  return net.text;
}

const line = (d: Decision) => `${d.id}\t${d.value}\t${d.jurisdiction}\texpires ${d.expires}\t${d.ended ? `ended: ${d.ended.reason}` : 'active'}`;

export function registerBlocklist(program: Command) {
  program
    .command('block <ip|cidr>')
    .description('block an address or network in a jurisdiction (same checks as the API: allowlists, prefix policy, escalation)')
    .requiredOption('--jurisdiction <id>', 'jurisdiction the block applies to')
    .requiredOption('--duration <duration>', 'e.g. 30m, 24h, 7d, 1h30m; escalated for repeat offenders')
    .option('--reason <text>', 'why (shown in feeds)', `manual block by ${user}`)
    .option('--score <0-100>', 'score (feeds order by it; EDL min_score)', '100')
    .option('--tlp <level>', `one of ${Tlp.options.join(', ')} (default blocklist.defaultTlp)`)
    .option('--no-escalate', 'keep the duration even for a repeat offender')
    .action((value: string, opts) =>
      withContext(openContext, async (ctx) => {
        const jurisdiction = mustJurisdiction(ctx, opts.jurisdiction);
        const canonical = mustValue(value);
        if (parseDuration(opts.duration) === null) fail(`--duration: ${opts.duration} is not a duration like 30m, 24h, 7d, 1h30m`);
        const score = Number(opts.score);
        if (!Number.isInteger(score) || score < 0 || score > 100) fail(`--score: ${opts.score} is not an integer 0-100`);
        const tlp = opts.tlp === undefined ? undefined : Tlp.safeParse(String(opts.tlp).toUpperCase());
        if (tlp && !tlp.success) fail(`--tlp: ${opts.tlp} is not one of ${Tlp.options.join(', ')}`);
        const r = await services(ctx).decisions.ban({
          value: canonical,
          jurisdiction,
          reason: opts.reason,
          duration: opts.duration,
          score,
          tlp: tlp?.data,
          escalate: opts.escalate === false ? false : undefined,
          origin: { type: 'manual', id: `cli:${user}` },
          actor: CLI_ACTOR,
        });
        if (!r.ok) fail(`refused: ${r.refused}`, r.code === 'allowlisted' || r.code === 'prefix' ? 3 : 2);
        const d = r.decision;
        const length = formatDuration(Date.parse(d.expires) - Date.parse(d.created));
        if (!r.created) process.stderr.write(`${d.value} is already blocked in ${d.jurisdiction} (decision ${d.id}); nothing changed\n`);
        else process.stderr.write(`blocked ${d.value} in ${d.jurisdiction} for ${length}${d.repeat ? ` (repeat offender: ${d.repeat} earlier ban${d.repeat > 1 ? 's' : ''})` : ''}\n`);
        process.stdout.write(line(d) + '\n');
      }),
    );

  program
    .command('unblock <id|ip>')
    .description('lift a block before it expires: a decision id, or the address/network blocked in the jurisdiction')
    .requiredOption('--jurisdiction <id>', 'jurisdiction of the block')
    .requiredOption('--reason <text>', 'why (recorded in the audit trail)')
    .action((target: string, opts) =>
      withContext(openContext, async (ctx) => {
        const jurisdiction = mustJurisdiction(ctx, opts.jurisdiction);
        if (!String(opts.reason).trim()) fail('--reason must not be empty');
        const { decisions } = services(ctx);
        let r;
        if (/^\d+$/.test(target)) {
          const d = await decisions.get(target);
          if (!d) fail(`decision ${target} does not exist`, 1);
          if (d.jurisdiction !== jurisdiction) fail(`decision ${target} belongs to ${d.jurisdiction}, not ${jurisdiction}`);
          r = await decisions.end(target, { actor: CLI_ACTOR, reason: opts.reason });
        } else {
          r = await decisions.endValue(mustValue(target), jurisdiction, { actor: CLI_ACTOR, reason: opts.reason });
        }
        if (!r.ok) fail(r.refused, 1);
        if (!r.ended) process.stderr.write(`decision ${r.decision.id} was no longer active; nothing changed\n`);
        else process.stderr.write(`unblocked ${r.decision.value} in ${r.decision.jurisdiction}\n`);
        process.stdout.write(line(r.decision) + '\n');
      }),
    );

  program
    .command('allow <ip|cidr>')
    .description('never block an address or network (ends the active blocks it covers); global without --jurisdiction')
    .option('--jurisdiction <id>', 'the jurisdiction (and those below it) the entry covers; default: every jurisdiction')
    .requiredOption('--reason <text>', 'why (shown when a block is refused)')
    .option('--expires <when>', 'a duration from now (30d) or an ISO 8601 time; default never')
    .action((value: string, opts) =>
      withContext(openContext, async (ctx) => {
        const jurisdiction = opts.jurisdiction === undefined ? null : mustJurisdiction(ctx, opts.jurisdiction);
        const canonical = mustValue(value);
        if (!String(opts.reason).trim()) fail('--reason must not be empty');
        const expires = opts.expires === undefined ? null : parseExpiry(opts.expires);
        if (opts.expires !== undefined && expires === null) fail(`--expires: ${opts.expires} is neither a duration (30d) nor an ISO 8601 time`);
        try {
          const { entry, ended } = await services(ctx).allowlist.add({ value: canonical, jurisdiction, reason: opts.reason, expires, actor: CLI_ACTOR });
          process.stderr.write(`allowlisted ${entry.value} ${entry.jurisdiction ? `in ${entry.jurisdiction}` : 'everywhere'}${entry.expires ? ` until ${entry.expires}` : ''}; ended ${ended.length} active block${ended.length === 1 ? '' : 's'}\n`);
          process.stdout.write(`${entry.id}\t${entry.value}\t${entry.jurisdiction ?? '(global)'}\t${entry.expires ?? 'never expires'}\n`);
        } catch (e) {
          if (e instanceof DomainError) fail(e.message);
          throw e;
        }
      }),
    );
}
