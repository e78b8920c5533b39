import { Global, Module } from '@nestjs/common';
import { EventBus } from './event-bus';

/** Infra, hence global: every domain publishes and subscribes on the one bus. */
@Global()
@Module({ providers: [EventBus], exports: [EventBus] })
export class EventsModule {}
