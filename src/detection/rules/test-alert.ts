import type { NormalizedAlert } from '../../contracts/alert';

/** A normalized Suricata alert for rule tests; every field can be overridden. */
export function alert(over: Partial<{ src: string; dst: string | null; dport: number | null; sport: number; ruleId: string; name: string; category: string; sev: number; action: 'allowed' | 'blocked' | 'unknown'; j: string; ts: string; id: string; format: NormalizedAlert['format'] }> = {}): NormalizedAlert {
  const ts = over.ts ?? '2026-01-01T00:00:00.000Z';
  return {
    id: over.id ?? `id-${Math.random().toString(36).slice(2)}`,
    timestamp: ts,
    timezone_source: 'explicit',
    received: ts,
    jurisdiction: over.j ?? 'seoul-jongno',
    observer: { vendor: 'OISF', product: 'Suricata', name: null },
    source: { ip: over.src ?? '203.0.113.5', port: over.sport ?? 40000 },
    destination: { ip: over.dst === undefined ? '10.11.0.5' : over.dst, port: over.dport === undefined ? 22 : over.dport },
    transport: 'tcp',
    rule: { id: over.ruleId ?? '2001219', name: over.name ?? 'ET SCAN Potential SSH Scan', category: over.category ?? 'Attempted Information Leak' },
    action: { value: over.action ?? 'allowed', raw: over.action ?? 'allowed' },
    severity: { id: over.sev ?? 3, raw: '2' },
    format: over.format ?? 'suricata-eve',
    original: '{}',
  };
}
