import { Injectable } from '@nestjs/common';
import type { EventMap, EventName } from '../../contracts/events';

export type EventHandler<K extends EventName> = (payload: EventMap[K]) => Promise<void> | void;

/**
 * The typed in-process event bus. `emit` runs the handlers one after the other, in the order they
 * subscribed (a listener that must run after another listens to that one's own event instead, as
 * playbooks do with `alerts.scored`), and rejects with the first handler error (the rest do not run): the publisher
 * decides whether that fails its work (an ingest chunk is retried) or is only logged.
 */
@Injectable()
export class EventBus {
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
    for (const handler of [...(this.handlers.get(name) ?? [])]) await (handler as EventHandler<K>)(payload);
  }

  listeners(name: EventName): number {
    return this.handlers.get(name)?.length ?? 0;
  }
}
