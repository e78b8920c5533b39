import { EventBus } from './event-bus';

const stored = { alerts: [], batchId: 'b', chunk: 0, chunkId: '' };

describe('EventBus', () => {
  it('runs handlers in subscription order, each awaited before the next', async () => {
    const bus = new EventBus();
    const seen: string[] = [];
    bus.on('alerts.stored', async () => {
      await new Promise((r) => setImmediate(r));
      seen.push('first');
    });
    bus.on('alerts.stored', () => void seen.push('second'));
    await bus.emit('alerts.stored', stored);
    expect(seen).toEqual(['first', 'second']);
  });

  it('rejects with the first handler error and skips the rest (the publisher decides what that means)', async () => {
    const bus = new EventBus();
    const after = jest.fn();
    bus.on('decision.created', () => {
      throw new Error('boom');
    });
    bus.on('decision.created', after);
    await expect(bus.emit('decision.created', { id: '1', value: '203.0.113.5', scope: 'ip', jurisdiction: 'j', expires: '', at: 0 })).rejects.toThrow('boom');
    expect(after).not.toHaveBeenCalled();
  });

  it('passes typed payloads and can unsubscribe', async () => {
    const bus = new EventBus();
    const got: string[] = [];
    const off = bus.on('decision.created', (d) => void got.push(d.value));
    await bus.emit('decision.created', { id: '1', value: '203.0.113.5', scope: 'ip', jurisdiction: 'j', expires: '', at: 0 });
    off();
    await bus.emit('decision.created', { id: '2', value: '203.0.113.6', scope: 'ip', jurisdiction: 'j', expires: '', at: 0 });
    expect(got).toEqual(['203.0.113.5']);
    expect(bus.listeners('decision.created')).toBe(0);
  });
});
