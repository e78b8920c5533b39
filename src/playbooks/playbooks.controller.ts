import { Body, Controller, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { CurrentPrincipal, Roles } from '../auth/auth.decorators';
import { actorOf, type Principal } from '../auth/auth.schemas';
import { ScopeService } from '../auth/scope.service';
import { CONFIG } from '../infra/config/config.module';
import type { GwanjeConfig } from '../infra/config/config.schema';
import { ApiDoc } from '../infra/http/openapi';
import { badRequest, conflict, forbidden, notFound, unprocessable, validate } from '../infra/http/problem';
import { Inject } from '@nestjs/common';
import { parseNet } from '../contracts/net';
import { webhookAllow, webhookUrlAllowlisted } from './engine/webhook-target';
import { decisionsOf, dryRun } from './engine/dry-run';
import { dryEffects } from './engine/dry-effects';
import { loadText, type LoadError } from './loader/loader';
import { compilePlaybook, type CompiledPlaybook } from './model/compile';
import type { Playbook } from './model/playbook.schema';
import { alertTrigger, manualTrigger, testTrigger, testTriggerSchema, threatFlaggedTrigger, type TriggerInstance } from './model/variables';
import { NormalizedAlert } from '../contracts/alert';
import { DetectionReplay } from './backtest/replay.service';
import { flattenIssues } from './loader/loader';
import { configDuration } from '../contracts/duration';
import {
  PlaybookDetail,
  PlaybookList,
  PutBody,
  PutResponse,
  ResumeBody,
  RollbackBody,
  RunStarted,
  SimulateBody,
  SimulateResponse,
  ValidateQuery,
  ValidateResponse,
} from './playbooks.schemas';
import { PlaybookRegistry } from './registry/registry.service';
import { GuardsStore } from './runs/guards.store';
import { RunEngine } from './runs/engine.service';
import { ManualRunBody } from './triggers';
import { z } from 'zod';

const YAML_TYPES = ['text/yaml', 'application/yaml', 'application/x-yaml', 'text/plain'];

/** A YAML body: the raw text (text/yaml, application/yaml) or JSON {yaml}. */
function yamlOf(body: unknown): { yaml: string; comment?: string } {
  if (typeof body === 'string') {
    if (!body.trim()) throw badRequest('body: empty; send the YAML (Content-Type: application/yaml) or JSON {"yaml": "..."}');
    return { yaml: body };
  }
  return validate(PutBody, body, 'body');
}

@Controller('v1/playbooks')
@Roles('analyst', 'admin')
export class PlaybooksController {
  constructor(
    @Inject(CONFIG) private readonly config: GwanjeConfig,
    private readonly registry: PlaybookRegistry,
    private readonly engine: RunEngine,
    private readonly guards: GuardsStore,
    private readonly scope: ScopeService,
  ) {}

  private visible(who: Principal) {
    return this.scope.visible(who);
  }

  @Get()
  @ApiDoc({ summary: 'Playbooks of your jurisdictions (current versions) and load errors of playbook files', tags: ['playbooks'], response: PlaybookList })
  async list(@CurrentPrincipal() who: Principal) {
    const visible = this.visible(who);
    const heads = await this.registry.heads();
    const byFile = await this.registry.errors();
    const fileOf = (h: { source: { type: string; file?: string } }) => (h.source.type === 'file' ? (h.source.file ?? null) : null);
    const mine = [...heads].filter(([, h]) => visible.has(h.owner));
    const items = await Promise.all(mine.map(async ([id, h]) => ({ id, ...this.summary(h), breaker: await this.guards.breaker(id), errors: byFile.get(fileOf(h) ?? '') ?? [] })));
    items.sort((a, b) => a.id.localeCompare(b.id));
    // A file that failed to load defines no row of its own: list it, with the rows it still runs.
    const files = [...byFile]
      .filter(([, errs]) => errs.length)
      .map(([file, errs]) => ({ file, playbooks: items.filter((i) => fileOf(i) === file).map((i) => i.id), errors: errs }))
      .sort((a, b) => a.file.localeCompare(b.file));
    return { items, files, errors: [...byFile.values()].flat() };
  }

  private summary(h: Awaited<ReturnType<PlaybookRegistry['heads']>> extends Map<string, infer H> ? H : never) {
    const { fileHash: _f, ...rest } = h;
    return rest;
  }

  @Get(':id')
  @ApiDoc({ summary: 'One playbook: its YAML, parsed form, version, circuit breaker, and load errors (of its file, or of the version)', tags: ['playbooks'], response: PlaybookDetail })
  async get(@Param('id') id: string, @CurrentPrincipal() who: Principal) {
    const head = (await this.registry.heads()).get(id);
    if (!head || !this.visible(who).has(head.owner)) throw notFound(`playbook ${id} does not exist`);
    const yaml = await this.registry.text(head.hash);
    const { pb, error } = await this.registry.compile(head.hash, head.version);
    const fileErrors = head.source.file ? ((await this.registry.errors()).get(head.source.file) ?? []) : [];
    const errors: LoadError[] = [...fileErrors];
    if (error) errors.push({ file: `version ${head.version}`, line: 1, column: 1, path: '', message: error });
    return { id, ...this.summary(head), yaml, playbook: pb?.doc ?? null, errors, breaker: await this.guards.breaker(id), actionsLastHour: await this.guards.count(id) };
  }

  @Get(':id/versions')
  @ApiDoc({ summary: 'Version history, newest first (files, API changes, rollbacks)', tags: ['playbooks'], response: z.object({ items: z.array(z.record(z.string(), z.unknown())) }) })
  async versions(@Param('id') id: string, @CurrentPrincipal() who: Principal) {
    await this.visibleHead(id, who);
    return { items: (await this.registry.versions(id)).reverse() };
  }

  @Get(':id/versions/:version')
  @ApiDoc({ summary: 'One version with its YAML', tags: ['playbooks'], response: z.object({ version: z.record(z.string(), z.unknown()), yaml: z.string().nullable() }) })
  async version(@Param('id') id: string, @Param('version') v: string, @CurrentPrincipal() who: Principal) {
    await this.visibleHead(id, who);
    const meta = (await this.registry.versions(id)).find((x) => String(x.version) === v);
    if (!meta) throw notFound(`playbook ${id} has no version ${v} (or it is older than the history kept)`);
    return { version: meta, yaml: await this.registry.text(meta.hash) };
  }

  private async visibleHead(id: string, who: Principal) {
    const head = (await this.registry.heads()).get(id);
    if (!head || !this.visible(who).has(head.owner)) throw notFound(`playbook ${id} does not exist`);
    return head;
  }

  /** admin or analyst of the owner (and of the previous owner, when it changes). */
  private mayEdit(who: Principal, owners: string[]) {
    const visible = this.visible(who);
    // Names no owner: the stored version's owner may be a jurisdiction the key cannot see.
    for (const o of owners) if (!visible.has(o)) throw forbidden(`a key of ${who.jurisdiction} cannot change this playbook: it is (or would be) owned outside its jurisdictions`);
  }

  /**
   * Who may point webhooks where: admins anywhere the SSRF guard allows; analysts only at receivers
   * the operator listed in playbooks.webhooks.allow, or at URLs the current version already has
   * (so they can still edit a playbook an admin gave a webhook).
   */
  private async mayNotify(who: Principal, pb: Playbook, head: { hash: string; version: number } | undefined) {
    if (who.role === 'admin') return;
    const allow = webhookAllow(this.config.playbooks.webhooks.allow);
    const before = new Set(head ? ((await this.registry.compile(head.hash, head.version)).pb?.doc.steps.flatMap((s) => (s.notify ? [s.notify.url] : [])) ?? []) : []);
    const fresh = pb.steps.flatMap((s, i) => (s.notify && !before.has(s.notify.url) && !webhookUrlAllowlisted(s.notify.url, allow) ? [`steps[${i}].notify.url`] : []));
    if (fresh.length)
      throw forbidden(`${fresh.join(', ')}: an ${who.role} key may send webhooks only to receivers listed in playbooks.webhooks.allow (or keep the URLs the playbook has); an admin key may store other URLs`);
  }

  @Put(':id')
  @ApiDoc({
    summary: 'Store a new version (YAML body: Content-Type application/yaml; or JSON {yaml, comment}). Validated like a file; 422 with positions when invalid',
    tags: ['playbooks'],
    rawBody: { contentTypes: YAML_TYPES, description: 'one kind: Playbook document whose id matches the URL' },
    response: PutResponse,
  })
  async put(@Param('id') id: string, @Body() body: unknown, @CurrentPrincipal() who: Principal) {
    const { yaml, comment } = yamlOf(body);
    const parsed = this.registry.parse(id, yaml);
    if (!parsed.ok) throw this.invalid(parsed.errors);
    const head = (await this.registry.heads()).get(id);
    this.mayEdit(who, [parsed.doc.value.owner, ...(head ? [head.owner] : [])]);
    await this.mayNotify(who, parsed.doc.value, head);
    const r = await this.registry.put(id, yaml, { type: 'api', by: who.keyId }, actorOf(who), comment);
    if (!r.ok) throw this.invalid(r.errors);
    return { id, version: r.version, hash: r.hash, changed: r.appended, status: r.playbook.status };
  }

  private invalid(errors: LoadError[]) {
    const p = unprocessable(
      `invalid playbook: ${errors.length} error(s)`,
      errors.map((e) => ({ path: e.path, message: e.message + (e.hint ? ` (${e.hint})` : ''), line: e.line, column: e.column })),
    );
    return p;
  }

  @Post(':id/rollback')
  @HttpCode(200)
  @ApiDoc({ summary: 'Make an earlier version current again (stored as a new version)', tags: ['playbooks'], body: RollbackBody, response: PutResponse })
  async rollback(@Param('id') id: string, @Body() body: unknown, @CurrentPrincipal() who: Principal) {
    const b = validate(RollbackBody, body, 'body');
    const head = await this.visibleHead(id, who);
    const meta = (await this.registry.versions(id)).find((x) => x.version === b.version);
    if (!meta) throw notFound(`playbook ${id} has no version ${b.version} (or it is older than the history kept)`);
    const text = await this.registry.text(meta.hash);
    if (!text) throw notFound(`the text of version ${b.version} is no longer stored`);
    const parsed = this.registry.parse(id, text);
    if (!parsed.ok) throw this.invalid(parsed.errors);
    this.mayEdit(who, [head.owner, parsed.doc.value.owner]);
    await this.mayNotify(who, parsed.doc.value, head);
    const r = await this.registry.put(id, text, { type: 'rollback', by: who.keyId, from: b.version }, actorOf(who), b.comment ?? `rollback to version ${b.version}`);
    if (!r.ok) throw this.invalid(r.errors);
    return { id, version: r.version, hash: r.hash, changed: r.appended, status: r.playbook.status };
  }

  @Post(':id/resume')
  @HttpCode(200)
  @ApiDoc({ summary: "Close the playbook's circuit breaker so it acts again", tags: ['playbooks'], body: ResumeBody, response: z.object({ closed: z.boolean() }) })
  async resume(@Param('id') id: string, @Body() body: unknown, @CurrentPrincipal() who: Principal) {
    const b = validate(ResumeBody, body, 'body');
    const head = await this.visibleHead(id, who);
    this.mayEdit(who, [head.owner]);
    return { closed: await this.engine.resume(id, actorOf(who), b.reason) };
  }

  @Post(':id/run')
  @HttpCode(202)
  @ApiDoc({ summary: 'Run a playbook whose trigger is manual (enforcing: acts; shadow: records)', tags: ['playbooks'], body: ManualRunBody, response: RunStarted })
  async run(@Param('id') id: string, @Body() body: unknown, @CurrentPrincipal() who: Principal) {
    const b = validate(ManualRunBody, body, 'body');
    const head = await this.visibleHead(id, who);
    this.mayEdit(who, [head.owner]);
    if (head.removed) throw conflict(`playbook ${id} was removed`);
    const { pb } = await this.registry.compile(head.hash, head.version);
    if (!pb) throw conflict(`playbook ${id} version ${head.version} cannot be loaded`);
    if (pb.doc.trigger.on !== 'manual') throw conflict(`playbook ${id} is triggered by ${pb.doc.trigger.on}, not manual`);
    if (pb.doc.status !== 'enforcing' && pb.doc.status !== 'shadow') throw conflict(`playbook ${id} is ${pb.doc.status}; only enforcing and shadow playbooks run`);
    const net = parseNet(b.ip);
    if (!net) throw badRequest(`body.ip: ${b.ip} is not an IP address or CIDR`);
    const trigger = manualTrigger({ ip: net.text, reason: b.reason, score: b.score, confidence: b.confidence, country: b.country, key: b.idempotency_key ?? randomBytes(8).toString('hex'), jurisdiction: pb.doc.owner });
    const runId = await this.engine.manual(pb, trigger);
    return { runId, mode: pb.doc.status === 'shadow' ? 'shadow' : 'enforcing' };
  }
}

/** Validation and dry runs (no side effects). Separate so its static routes never meet `:id`. */
@Controller('v1/playbooks')
@Roles('analyst', 'admin')
export class PlaybookToolsController {
  constructor(
    @Inject(CONFIG) private readonly config: GwanjeConfig,
    private readonly registry: PlaybookRegistry,
    private readonly engine: RunEngine,
    private readonly scope: ScopeService,
    private readonly replay: DetectionReplay,
  ) {}

  @Post('validate')
  @HttpCode(200)
  @ApiDoc({
    summary: 'Validate YAML (any kind: Playbook, DetectionRule, SharingPolicy...) as `gwanje validate` does: {valid, errors with file, line, column, path, message}',
    tags: ['playbooks'],
    query: ValidateQuery,
    rawBody: { contentTypes: YAML_TYPES, description: 'YAML documents (or JSON {"yaml": "..."})' },
    response: ValidateResponse,
  })
  validate(@Body() body: unknown, @Query() query: unknown) {
    const q = validate(ValidateQuery, query, 'query');
    const { yaml } = yamlOf(body);
    const res = loadText(yaml, q.file ?? 'request.yaml');
    return { valid: res.errors.length === 0, documents: res.documents.map((d) => ({ kind: d.kind, id: d.id, line: d.line })), errors: res.errors };
  }

  @Post('simulate')
  @HttpCode(200)
  @ApiDoc({ summary: 'Dry-run: the steps and decisions that would result from a trigger, with no side effects (real allowlists and ban history unless `given` says otherwise)', tags: ['playbooks'], body: SimulateBody, response: SimulateResponse })
  async simulate(@Body() body: unknown, @CurrentPrincipal() who: Principal) {
    const b = validate(SimulateBody, body, 'body');
    if (!b.yaml === !b.playbook) throw badRequest('body: give either yaml or playbook');
    if (!b.trigger === !b.alerts) throw badRequest('body: give either trigger or alerts');
    const alerts = b.alerts?.map((a, i) => {
      const r = NormalizedAlert.safeParse(a);
      if (!r.success) throw badRequest(`body.alerts[${i}]: not a normalized alert`, r.error.issues.map((x) => ({ path: ['alerts', i, ...x.path].join('.'), message: x.message })));
      return r.data;
    });
    let flags: Awaited<ReturnType<DetectionReplay['flags']>> | null = null;
    let playbooks: CompiledPlaybook[];
    let errors: LoadError[] = [];
    if (b.yaml) {
      const res = loadText<Playbook>(b.yaml, 'request.yaml', { kinds: ['Playbook'] });
      errors = res.errors;
      playbooks = res.documents.map((d) => compilePlaybook(d.value, d.hash));
      if (!playbooks.length && !errors.length) throw badRequest('body.yaml: no kind: Playbook document');
    } else {
      const found = (await this.registry.current()).find((p) => p.id === b.playbook);
      if (!found || !this.scope.visible(who).has(found.doc.owner)) throw notFound(`playbook ${b.playbook} is not in force`);
      playbooks = [found];
    }
    const visible = this.scope.visible(who);
    const results = [];
    for (const pb of playbooks) {
      if (!visible.has(pb.doc.owner)) throw forbidden(`a key of ${who.jurisdiction} cannot simulate playbooks owned by ${pb.doc.owner}`);
      let triggers: TriggerInstance[];
      if (alerts) {
        if (pb.doc.trigger.on === 'alert') triggers = alerts.map((a) => alertTrigger(a, null));
        else if (pb.doc.trigger.on === 'threat.flagged') triggers = (flags ??= await this.replay.flags(alerts)).map(threatFlaggedTrigger);
        else throw badRequest(`body.alerts: ${pb.id} is triggered by ${pb.doc.trigger.on}, which alerts do not start; give a trigger`);
      } else {
        const parsed = testTriggerSchema(pb.doc.trigger.on).safeParse(b.trigger);
        if (!parsed.success) throw badRequest(`body.trigger: not a ${pb.doc.trigger.on} trigger for ${pb.id}`, flattenIssues(parsed.error.issues as never, ['trigger']).map((i) => ({ path: i.path.join('.'), message: i.message })));
        triggers = [testTrigger(pb.doc.trigger.on, parsed.data as Record<string, unknown>, 'simulate')];
      }
      const effects =
        b.given.previous_bans !== undefined || b.given.allowlisted !== undefined
          ? dryEffects({
              jurisdictions: this.engine.effects.jurisdictions,
              minPrefix: this.config.blocklist.minPrefix,
              escalation: { enabled: this.config.blocklist.escalation.enabled, factor: this.config.blocklist.escalation.factor, maxMs: configDuration(this.config.blocklist.escalation.max) },
              previousBans: b.given.previous_bans,
              allowlisted: b.given.allowlisted,
              allowlist: async (v, j) => (await this.engine.readOnlyEffects.checkTarget(v, j))?.refused ?? null,
            })
          : this.engine.readOnlyEffects;
      for (const trigger of triggers) {
        const r = await dryRun(pb, trigger, effects, { ...this.engine.executorOptions(), approvalOutcome: b.given.approval });
        results.push({
          playbook: pb.id,
          ...(alerts ? { trigger: trigger.key } : {}),
          triggered: r.triggered,
          ...(r.error ? { error: r.error } : {}),
          status: r.run?.status ?? null,
          steps: (r.run?.steps ?? []).map((s) => ({ id: s.id, action: s.action, status: s.status, input: s.input, result: s.result, error: s.error })),
          decisions: r.run ? decisionsOf(r.run) : [],
        });
      }
    }
    return { results, errors };
  }
}
