import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { z } from 'zod';
import { Roles } from '../auth/auth.decorators';
import { AlertFormat } from '../contracts/alert';
import { ApiDoc } from '../infra/http/openapi';
import { badRequest, validate } from '../infra/http/problem';
import { FormatsRegistry } from './formats.registry';
import { FormatList, ValidateFormatQuery, ValidateFormatResponse } from './formats.schemas';
import { loadFormatText, sampleResults } from './load';

const YAML_TYPES = ['text/yaml', 'application/yaml', 'application/x-yaml', 'text/plain'];
const YamlBody = z.strictObject({ yaml: z.string().min(1) });

@Controller('v1/formats')
@Roles('analyst', 'admin')
export class FormatsController {
  constructor(private readonly registry: FormatsRegistry) {}

  @Get()
  @ApiDoc({ summary: 'Formats ingest accepts: the built-in parsers and the LogFormat documents loaded from formats.dir, with load errors per file', tags: ['formats'], response: FormatList })
  list() {
    const builtIn = AlertFormat.options.map((id) => ({ id, builtIn: true, name: id, vendor: null, file: null, line: null, source: null, autoDetect: true, samples: 0 }));
    const loaded = this.registry.loaded().map((f) => {
      const d = f.format.doc;
      return { id: d.metadata.id, builtIn: false, name: d.metadata.name, vendor: d.metadata.vendor, file: f.file, line: f.line, source: d.metadata.source ?? null, autoDetect: this.registry.detectOrder.includes(f.format), samples: d.samples.length };
    });
    return { items: [...builtIn, ...loaded], errors: this.registry.errors() };
  }

  @Post('validate')
  @HttpCode(200)
  @ApiDoc({
    summary: 'Validate LogFormat YAML as `gwanje formats test` does: errors at file:line:col, or each sample\'s result',
    tags: ['formats'],
    query: ValidateFormatQuery,
    rawBody: { contentTypes: YAML_TYPES, description: 'kind: LogFormat documents (or JSON {"yaml": "..."})' },
    response: ValidateFormatResponse,
  })
  validate(@Body() body: unknown, @Query() query: unknown) {
    const q = validate(ValidateFormatQuery, query, 'query');
    let yaml: string;
    if (typeof body === 'string') yaml = body;
    else yaml = validate(YamlBody, body, 'body').yaml;
    if (!yaml.trim()) throw badRequest('body: empty; send the YAML (Content-Type: application/yaml) or JSON {"yaml": "..."}');
    const res = loadFormatText(yaml, q.file ?? 'request.yaml');
    return {
      valid: res.errors.length === 0,
      formats: res.formats.map((f) => ({ id: f.format.format, line: f.line, samples: sampleResults(f.format) })),
      errors: res.errors,
    };
  }
}
