import { fromPriority, fromSyslog, fromTenScale, fromWord } from './severity';

// Every row of the severity mapping in docs/domain.md, onto OCSF severity_id
// (0 Unknown, 1 Informational, 2 Low, 3 Medium, 4 High, 5 Critical, 6 Fatal).

describe('Suricata/Snort priority: 1→4, 2→3, 3→2, ≥4→1', () => {
  test.each([
    [1, 4],
    [2, 3],
    [3, 2],
    [4, 1],
    [5, 1],
    [255, 1],
  ])('priority %d → %d', (p, id) => {
    expect(fromPriority(p)).toBe(id);
  });

  test.each([0, -1, NaN, Infinity, null, undefined])('%p → 0 Unknown', (p) => {
    expect(fromPriority(p)).toBe(0);
  });
});

describe('CEF/LEEF 0–10: 0→1, 1–3→2, 4–6→3, 7–8→4, 9–10→5', () => {
  test.each([
    [0, 1],
    [1, 2],
    [2, 2],
    [3, 2],
    [4, 3],
    [5, 3],
    [6, 3],
    [7, 4],
    [8, 4],
    [9, 5],
    [10, 5],
  ])('%d → %d', (n, id) => {
    expect(fromTenScale(n)).toBe(id);
    expect(fromTenScale(String(n))).toBe(id);
  });

  test.each([
    ['Unknown', 0],
    ['Low', 2],
    ['Medium', 3],
    ['High', 4],
    ['Very-High', 5],
    ['very-high', 5],
    [' HIGH ', 4],
  ])('CEF word %j → %d', (w, id) => {
    expect(fromTenScale(w)).toBe(id);
  });

  test.each([11, -1, 'eleven', '', '  ', null, undefined])('%p → 0 Unknown', (v) => {
    expect(fromTenScale(v)).toBe(0);
  });
});

describe('FortiGate/PAN-OS words: informational/low/medium/high/critical → 1..5', () => {
  test.each([
    ['informational', 1],
    ['low', 2],
    ['medium', 3],
    ['high', 4],
    ['critical', 5],
    ['Critical', 5],
    [' HIGH ', 4],
    ['information', 1],
    ['info', 1],
  ])('%j → %d', (w, id) => {
    expect(fromWord(w)).toBe(id);
  });

  test.each(['', 'severe', null, undefined])('%p → 0 Unknown', (w) => {
    expect(fromWord(w)).toBe(0);
  });
});

describe('ModSecurity/syslog 0–7: 0→6, 1–2→5, 3→4, 4→3, 5→2, 6–7→1', () => {
  test.each([
    [0, 6],
    [1, 5],
    [2, 5],
    [3, 4],
    [4, 3],
    [5, 2],
    [6, 1],
    [7, 1],
  ])('%d → %d', (n, id) => {
    expect(fromSyslog(n)).toBe(id);
    expect(fromSyslog(String(n))).toBe(id);
  });

  test.each([
    ['EMERGENCY', 6],
    ['ALERT', 5],
    ['CRITICAL', 5],
    ['ERROR', 4],
    ['WARNING', 3],
    ['NOTICE', 2],
    ['INFO', 1],
    ['DEBUG', 1],
  ])('ModSecurity v2 word %j → %d', (w, id) => {
    expect(fromSyslog(w)).toBe(id);
  });

  test.each([8, -1, 2.5, 'loud', '', '  ', null, undefined])('%p → 0 Unknown', (v) => {
    expect(fromSyslog(v)).toBe(0);
  });
});

describe('inherited object keys are not severities', () => {
  test.each(['constructor', 'toString', '__proto__', 'hasOwnProperty'])('%j → 0', (w) => {
    expect(fromTenScale(w)).toBe(0);
    expect(fromWord(w)).toBe(0);
    expect(fromSyslog(w)).toBe(0);
  });
});
