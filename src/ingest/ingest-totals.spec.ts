import { parseInfoMemory } from './ingest-totals.service';
import { retryAfterMs } from '../cli/replay.command';

describe('back-pressure readings', () => {
  it('reads used_memory and maxmemory from INFO memory (not used_memory_rss or maxmemory_policy)', () => {
    const info = '# Memory\r\nused_memory:1048576\r\nused_memory_human:1.00M\r\nused_memory_rss:9999999\r\nmaxmemory:268435456\r\nmaxmemory_human:256.00M\r\nmaxmemory_policy:noeviction\r\n';
    expect(parseInfoMemory(info)).toEqual({ usedMemory: 1_048_576, maxMemory: 268_435_456 });
    expect(parseInfoMemory('# Memory\r\nused_memory:10\r\nmaxmemory:0\r\n')).toEqual({ usedMemory: 10, maxMemory: 0 });
  });

  it('replay reads Retry-After as seconds or as an HTTP date', () => {
    expect(retryAfterMs('3')).toBe(3000);
    expect(retryAfterMs(null)).toBeNull();
    expect(retryAfterMs('soon')).toBeNull();
    const now = Date.parse('2026-03-02T09:00:00Z');
    expect(retryAfterMs('Mon, 02 Mar 2026 09:00:05 GMT', now)).toBe(5000);
    expect(retryAfterMs('Mon, 02 Mar 2026 08:00:00 GMT', now)).toBe(0);
  });
});
