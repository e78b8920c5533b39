/** Suricata EVE alert lines for tests: times relative to `base`, signatures from Emerging Threats. */
export interface Signature {
  sid: number;
  name: string;
  cat: string;
  sev: number;
}
export const SSH: Signature = { sid: 2001219, name: 'ET SCAN Potential SSH Scan', cat: 'Attempted Information Leak', sev: 2 };
export const EXPLOIT: Signature = { sid: 2034647, name: 'ET EXPLOIT Apache log4j RCE Attempt (CVE-2021-44228)', cat: 'Attempted Administrator Privilege Gain', sev: 1 };

/** Suricata's own timestamp form (microseconds, +0000). */
export const eveTime = (ms: number) => new Date(ms).toISOString().replace('Z', '000+0000');

/** The i-th alert of a sequence that starts two minutes before `base`, one per second. */
export function eveLine(i: number, src: string, dst: string, dport: number, sig: Signature, base = Date.now()): string {
  return JSON.stringify({
    timestamp: eveTime(base - 120_000 + i * 1000),
    event_type: 'alert',
    src_ip: src,
    src_port: 40000 + i,
    dest_ip: dst,
    dest_port: dport,
    proto: 'TCP',
    alert: { action: 'allowed', signature_id: sig.sid, signature: sig.name, category: sig.cat, severity: sig.sev },
  });
}
