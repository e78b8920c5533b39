import { Module } from '@nestjs/common';
import { FormatsController } from './formats.controller';
import { FormatsRegistry } from './formats.registry';

/** Device formats as data (kind: LogFormat): loaded, sample-tested, hot-reloaded; ingest resolves ids through FormatsRegistry. */
@Module({ controllers: [FormatsController], providers: [FormatsRegistry], exports: [FormatsRegistry] })
export class FormatsModule {}
