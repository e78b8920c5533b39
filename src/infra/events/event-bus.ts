import { Injectable, Logger } from '@nestjs/common';
import type { EventMap, EventName } from '../../contracts/events';

export type EventHandler<K extends EventName> = (payload: EventMap[K]) => Promise<void> | void;

/**
 * The typed in-process event bus. `emit` runs the handlers one after the other, in the order they
 * subscribed (Nest initialises a module's imports first, so a lower domain's listener runs before
 * a higher one's), and rejects with the first handler error after logging it: the publisher decides
 * whether that fails its work (an ingest chunk is retried) or is only logged.
 */
@Injectable()
export class EventBus {
  private readonly log = new Logger('events');
  private readonly handlers = new Map<EventName, Array<EventHandler<never>>>();

  on<K extends EventName>(name: K, handler: EventHandler<K>): () => void {
    const list = this.handlers.get(name) ?? [];
    list.push(handler);
    this.handlers.set(name, list);
    return () => {
      const i = list.indexOf(handler);
      if (i >= 0) list.splice(i, 1);
    };
  }

  async emit<K extends EventName>(name: K, payload: EventMap[K]): Promise<void> {
    for (const handler of [...(this.handlers.get(name) ?? [])]) {
      try {
        await (handler as EventHandler<K>)(payload);
      } catch (err) {
        this.log.error({ err, event: name }, 'event handler failed');
        throw err;
      }
    }
  }

  listeners(name: EventName): number {
    return this.handlers.get(name)?.length ?? 0;
  }
}
