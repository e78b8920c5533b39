import { Global, Module, type DynamicModule } from '@nestjs/common';
import type { GwanjeConfig } from './config.schema';

export const CONFIG = Symbol('GWANJE_CONFIG');

/** The configuration is read once in main and injected everywhere as CONFIG. */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: GwanjeConfig): DynamicModule {
    return { module: ConfigModule, providers: [{ provide: CONFIG, useValue: config }], exports: [CONFIG] };
  }
}
