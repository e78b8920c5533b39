/** Severity mappings onto OCSF severity_id (0 Unknown .. 6 Fatal); see docs/alert-schema.md. */

/** Suricata/Snort priority: 1 is the most severe. */
export function fromPriority(p: number | null | undefined): number {
  if (p == null || !Number.isFinite(p) || p < 1) return 0;
  if (p === 1) return 4;
  if (p === 2) return 3;
  if (p === 3) return 2;
  return 1;
}

/** CEF and LEEF 0–10. CEF also allows the words Unknown/Low/Medium/High/Very-High. */
export function fromTenScale(raw: string | number | null | undefined): number {
  if (raw == null || raw === '') return 0;
  const word = String(raw).trim().toLowerCase();
  if (word === '') return 0; // Number('  ') is 0: blank is unknown, not severity 0
  const words: Record<string, number> = { unknown: 0, low: 2, medium: 3, high: 4, 'very-high': 5, 'very high': 5 };
  if (Object.hasOwn(words, word)) return words[word]; // not `in`: 'constructor' is in every object
  const n = Number(word);
  if (!Number.isFinite(n) || n < 0 || n > 10) return 0;
  if (n < 1) return 1;
  if (n <= 3) return 2;
  if (n <= 6) return 3;
  if (n <= 8) return 4;
  return 5;
}

/** FortiGate and PAN-OS words. */
export function fromWord(raw: string | null | undefined): number {
  if (!raw) return 0;
  const map: Record<string, number> = { informational: 1, information: 1, info: 1, low: 2, medium: 3, high: 4, critical: 5 };
  const word = raw.trim().toLowerCase();
  return Object.hasOwn(map, word) ? map[word] : 0;
}

/** Syslog / ModSecurity 0 (emergency) .. 7 (debug). */
export function fromSyslog(raw: number | string | null | undefined): number {
  if (raw == null || raw === '') return 0;
  const names: Record<string, number> = { emergency: 0, alert: 1, critical: 2, error: 3, warning: 4, notice: 5, info: 6, debug: 7 };
  const text = String(raw).trim().toLowerCase();
  if (text === '') return 0; // Number('  ') is 0, which would read as Emergency/Fatal
  const n = typeof raw === 'number' ? raw : Object.hasOwn(names, text) ? names[text] : Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 7) return 0;
  if (n === 0) return 6;
  if (n <= 2) return 5;
  if (n === 3) return 4;
  if (n === 4) return 3;
  if (n === 5) return 2;
  return 1;
}
