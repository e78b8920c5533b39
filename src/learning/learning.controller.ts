import { Body, Controller, Get, Param, Post, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { CurrentPrincipal, Roles } from '../auth/auth.decorators';
import { actorOf, type Principal } from '../auth/auth.schemas';
import { ScopeService } from '../auth/scope.service';
import { ApiDoc } from '../infra/http/openapi';
import { validate } from '../infra/http/problem';
import { DisagreementList, ExamplePage, ExamplesQuery, ListModelsQuery, ModelList, ModelRecord, PromoteBody, TrainAnswer, TrainBody, type ModelRecord as Model } from './learning.schemas';
import { LearningService } from './learning.service';

const summary = ({ model: _model, ...rest }: Model) => rest;
const RollbackBody = z.strictObject({ jurisdiction: z.string().optional(), reason: z.string().trim().min(1).max(1000) });
const DisagreementsQuery = z.strictObject({ jurisdiction: z.string().optional(), limit: z.coerce.number().int().min(1).max(1000).default(100) });

/** Labelled examples and model versions. A key sees and acts on its own jurisdiction and those below it. */
@Controller('v1')
@Roles('analyst', 'admin')
export class LearningController {
  constructor(private readonly learning: LearningService, private readonly scope: ScopeService) {}

  @Get('learning/examples')
  @ApiDoc({ summary: 'Labelled examples (verdicts with the features the scorer saw), newest first; ?format=ndjson for one per line', tags: ['learning'], query: ExamplesQuery, response: ExamplePage, description: 'With ?format=ndjson the same examples come as application/x-ndjson, one JSON object per line (for export).' })
  async examples(@Query() query: unknown, @CurrentPrincipal() who: Principal, @Res() reply: FastifyReply) {
    const q = validate(ExamplesQuery, query, 'query');
    const items = await this.learning.examples(this.scope.readScope(who, q.jurisdiction), q.limit);
    if (q.format === 'ndjson') return reply.type('application/x-ndjson').send(items.map((e) => JSON.stringify(e)).join('\n') + (items.length ? '\n' : ''));
    return reply.send({ items });
  }

  @Post('models/train')
  @ApiDoc({ summary: 'Train a new model version from the labelled examples (of the named jurisdiction, or of every one the key acts for); it starts in shadow', tags: ['learning'], body: TrainBody, response: TrainAnswer })
  async train(@Body() body: unknown, @CurrentPrincipal() who: Principal) {
    const b = validate(TrainBody, body ?? {}, 'body');
    const only = b.jurisdiction ? [this.scope.resolve(who, b.jurisdiction)] : [...this.scope.visible(who)];
    const r = await this.learning.trainAll(`key:${who.keyId}`, only);
    return { trained: r.trained.map(summary), skipped: r.skipped };
  }

  @Get('models')
  @ApiDoc({ summary: 'Model versions with their held-out evaluation (precision, recall, ROC AUC, Brier, reliability, confusion matrix), newest first', tags: ['learning'], query: ListModelsQuery, response: ModelList })
  async list(@Query() query: unknown, @CurrentPrincipal() who: Principal) {
    const q = validate(ListModelsQuery, query, 'query');
    return { items: (await this.learning.list(this.scope.readScope(who, q.jurisdiction))).map(summary) };
  }

  @Get('models/disagreements')
  @ApiDoc({ summary: 'IPs where a shadow model and the live decision disagree, newest first, with the per-feature contributions', tags: ['learning'], query: DisagreementsQuery, response: DisagreementList })
  async disagreements(@Query() query: unknown, @CurrentPrincipal() who: Principal) {
    const q = validate(DisagreementsQuery, query, 'query');
    return { items: await this.learning.disagreements(this.scope.readScope(who, q.jurisdiction), q.limit) };
  }

  @Get('models/:id')
  @ApiDoc({ summary: 'One model version, with its coefficients', tags: ['learning'], response: ModelRecord })
  get(@Param('id') id: string, @CurrentPrincipal() who: Principal) {
    return this.learning.get(id, this.scope.visible(who));
  }

  @Post('models/:id/promote')
  @ApiDoc({ summary: 'Make this version live (its factor then adds points); promoting an earlier version rolls back. Audit-logged.', tags: ['learning'], body: PromoteBody, response: ModelRecord })
  async promote(@Param('id') id: string, @Body() body: unknown, @CurrentPrincipal() who: Principal) {
    const b = validate(PromoteBody, body, 'body');
    return this.learning.promote(id, this.scope.visible(who), actorOf(who), b.reason);
  }

  @Post('models/rollback')
  @ApiDoc({ summary: 'Make the version that was live before the current one live again. Audit-logged.', tags: ['learning'], body: RollbackBody, response: ModelRecord })
  async rollback(@Body() body: unknown, @CurrentPrincipal() who: Principal) {
    const b = validate(RollbackBody, body, 'body');
    return this.learning.rollback(this.scope.resolve(who, b.jurisdiction), actorOf(who), b.reason);
  }
}
