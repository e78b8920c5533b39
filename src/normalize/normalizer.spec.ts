import iconv from 'iconv-lite';
import { NormalizedAlert } from '../contracts/alert';
import { boundUtf8, copyId, decodeText, fingerprint, normalizeLine, type NormalizeOptions } from './normalizer';
import { suricataEveParser } from './parsers/suricata-eve.parser';

const RECEIVED = Date.parse('2025-11-10T00:00:00Z');
// Explicit format by default, so these tests do not depend on the order of `auto` detection.
const opts = (over: Partial<NormalizeOptions> = {}): NormalizeOptions => ({
  format: 'suricata-eve',
  jurisdiction: 'seoul-gangnam',
  receivedAt: RECEIVED,
  timezone: '+09:00',
  originalMaxBytes: 4096,
  maxLineBytes: 65536,
  ...over,
});

const EVE =
  '{"timestamp":"2022-07-12T06:22:33.415742+0000","flow_id":1398609176796675,"in_iface":"eth0","event_type":"alert","src_ip":"1.2.3.4","src_port":33270,"dest_ip":"1.2.3.5","dest_port":80,"proto":"TCP","alert":{"action":"allowed","gid":1,"signature_id":2034125,"rev":4,"signature":"ET EXPLOIT Apache","category":"Attempted Administrator Privilege Gain","severity":1}}';
/** An EVE alert with no timestamp and no host/in_iface: the syslog header must supply both. */
const EVE_BARE = '{"event_type":"alert","src_ip":"1.2.3.4","dest_ip":"5.6.7.8","proto":"UDP","alert":{"signature_id":1,"signature":"x","severity":3}}';

describe('fingerprint', () => {
  test('deterministic', () => {
    expect(fingerprint('seoul', EVE)).toBe(fingerprint('seoul', EVE));
    expect(fingerprint('seoul', EVE)).toMatch(/^[A-Za-z0-9_-]{27}$/);
  });

  test('depends on the jurisdiction and on the line', () => {
    expect(fingerprint('seoul', EVE)).not.toBe(fingerprint('busan', EVE));
    expect(fingerprint('seoul', EVE)).not.toBe(fingerprint('seoul', EVE + ' '));
  });

  test('the separator keeps (jurisdiction, line) pairs apart', () => {
    expect(fingerprint('ab', 'c')).not.toBe(fingerprint('a', 'bc'));
  });

  test('a message unique by receipt (syslog) is identified by its identity, not its text', () => {
    const id = (identity?: string) => {
      const r = normalizeLine(EVE, 1, opts({ identity }));
      return r.kind === 'alert' ? r.alert.id : null;
    };
    const receipt = (n: number) => ['syslog', 'udp', '127.0.0.1', String(RECEIVED), `nonce.${n}`].join('\0');
    expect(id(receipt(1))).not.toBe(id(receipt(2)));
    expect(id(receipt(1))).not.toBe(id());
    expect(id()).toBe(fingerprint('seoul-gangnam', EVE));
  });

  test('copies of a line within one body get ids of their own, the same on every re-post', () => {
    const first = fingerprint('seoul', EVE);
    expect(new Set([first, copyId('seoul', first, 2), copyId('seoul', first, 3)]).size).toBe(3);
    expect(copyId('seoul', first, 2)).toBe(copyId('seoul', first, 2));
  });

  test('the same line from the same jurisdiction gets the same alert id, a different jurisdiction another', () => {
    const a = normalizeLine(EVE, 1, opts());
    const b = normalizeLine(EVE, 7, opts({ receivedAt: RECEIVED + 60_000 }));
    const c = normalizeLine(EVE, 1, opts({ jurisdiction: 'busan-haeundae' }));
    if (a.kind !== 'alert' || b.kind !== 'alert' || c.kind !== 'alert') throw new Error('expected alerts');
    expect(a.alert.id).toBe(b.alert.id);
    expect(a.alert.id).not.toBe(c.alert.id);
  });
});

describe('boundUtf8', () => {
  const samples = ['관제 경보 발생: 1.2.3.4', 'a😀b😀😀c', 'ascii only', 'é'.repeat(10), '€uro', ''];

  test('never exceeds the bound, never splits a character, and keeps as much as fits', () => {
    for (const text of samples) {
      const total = Buffer.byteLength(text);
      for (let max = 0; max <= total + 2; max++) {
        const cut = boundUtf8(text, max);
        expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(max);
        expect(text.startsWith(cut)).toBe(true);
        expect(cut).not.toContain('\uFFFD');
        // maximal: the next whole code point would not have fitted
        if (cut.length < text.length) {
          const next = String.fromCodePoint(text.codePointAt(cut.length)!);
          expect(Buffer.byteLength(cut) + Buffer.byteLength(next)).toBeGreaterThan(max);
        }
      }
    }
  });

  test('short text is returned as is', () => {
    expect(boundUtf8('관제', 6)).toBe('관제');
    expect(boundUtf8('관제', 5)).toBe('관');
    expect(boundUtf8('😀', 3)).toBe('');
  });
});

describe('decodeText', () => {
  test('UTF-8', () => {
    expect(decodeText(Buffer.from('관제 경보 src=1.2.3.4', 'utf8'))).toBe('관제 경보 src=1.2.3.4');
  });

  test('EUC-KR/CP949 bytes fall back to cp949', () => {
    const bytes = iconv.encode('관제 경보', 'cp949');
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(bytes)).toThrow();
    expect(decodeText(bytes)).toBe('관제 경보');
    expect(decodeText(iconv.encode('msg=침입 탐지 src=10.0.0.1', 'euc-kr'))).toBe('msg=침입 탐지 src=10.0.0.1');
  });

  test('plain ASCII', () => {
    expect(decodeText(new Uint8Array([0x61, 0x62]))).toBe('ab');
  });
});

describe('normalizeLine: line hygiene', () => {
  test('control characters are rejected with their column', () => {
    const r = normalizeLine('abc\x01def', 3, opts());
    expect(r).toEqual({ line: 3, kind: 'reject', error: 'control character 0x01 at column 4', raw: 'abc\x01def' });
    expect(normalizeLine('x\x00', 1, opts())).toMatchObject({ kind: 'reject', error: 'control character 0x00 at column 2' });
    expect(normalizeLine('a\nb', 1, opts())).toMatchObject({ kind: 'reject', error: 'control character 0x0a at column 2' });
    expect(normalizeLine('ab\x7f', 1, opts())).toMatchObject({ kind: 'reject', error: 'control character 0x7f at column 3' });
  });

  test('TAB is not a control character here (LEEF delimiter)', () => {
    const r = normalizeLine('a\tb', 1, opts());
    expect(r.kind).toBe('reject');
    if (r.kind === 'reject') expect(r.error).not.toMatch(/control/);
  });

  test('a trailing CR is dropped', () => {
    expect(normalizeLine(EVE + '\r', 1, opts()).kind).toBe('alert');
  });

  test('over-long lines are rejected, counted in UTF-8 bytes', () => {
    expect(normalizeLine('x'.repeat(101), 1, opts({ maxLineBytes: 100 }))).toMatchObject({ kind: 'reject', error: 'line longer than 100 bytes' });
    expect(normalizeLine('x'.repeat(100), 1, opts({ maxLineBytes: 100 })).kind).toBe('reject'); // unrecognised, but not for length
    expect(normalizeLine('x'.repeat(100), 1, opts({ maxLineBytes: 100 }))).not.toMatchObject({ error: expect.stringMatching(/longer/) });
    expect(normalizeLine('관'.repeat(34), 1, opts({ maxLineBytes: 100 }))).toMatchObject({ kind: 'reject', error: 'line longer than 100 bytes' });
  });

  test('the raw text of a rejected line is bounded', () => {
    const r = normalizeLine('관'.repeat(50), 1, opts({ format: 'auto', originalMaxBytes: 10 }));
    expect(r).toMatchObject({ kind: 'reject', raw: '관관관' });
  });

  test.each(['', '   ', '\r', ' \t '])('empty line %j is skipped', (line) => {
    expect(normalizeLine(line, 9, opts())).toEqual({ line: 9, kind: 'skip', reason: 'empty line' });
  });

  test('an unrecognised line is rejected, not thrown', () => {
    expect(normalizeLine('hello world', 1, opts({ format: 'auto' }))).toMatchObject({ kind: 'reject', error: 'format not recognised (auto)' });
  });
});

describe('normalizeLine: parsing and envelope', () => {
  test('an alert satisfies the schema and carries the envelope', () => {
    const r = normalizeLine(EVE, 4, opts({ originalMaxBytes: 64 }));
    expect(r.kind).toBe('alert');
    if (r.kind !== 'alert') return;
    expect(NormalizedAlert.safeParse(r.alert).success).toBe(true);
    expect(r.line).toBe(4);
    expect(r.alert.jurisdiction).toBe('seoul-gangnam');
    expect(r.alert.received).toBe('2025-11-10T00:00:00.000Z');
    expect(r.alert.id).toBe(fingerprint('seoul-gangnam', EVE));
    expect(r.alert.original).toBe(EVE.slice(0, 64));
    expect(r.alert.timestamp).toBe('2022-07-12T06:22:33.415Z');
  });

  test('a parser skip passes through with its reason', () => {
    const flow = '{"timestamp":"2022-07-11T05:52:18.378379+0000","event_type":"flow","src_ip":"1.2.3.6"}';
    expect(normalizeLine(flow, 2, opts())).toEqual({ line: 2, kind: 'skip', reason: 'event_type flow is not an alert' });
  });

  test('a parser reject is prefixed with the format', () => {
    expect(normalizeLine('{"event_type":"alert","alert":{}}', 1, opts())).toMatchObject({ kind: 'reject', error: expect.stringMatching(/^suricata-eve: field src_ip/) });
  });

  test('a throwing parser yields a reject, not an exception', () => {
    const spy = jest.spyOn(suricataEveParser, 'parse').mockImplementation(() => {
      throw new Error('boom');
    });
    try {
      expect(() => normalizeLine(EVE, 5, opts())).not.toThrow();
      expect(normalizeLine(EVE, 5, opts())).toEqual({ line: 5, kind: 'reject', error: 'suricata-eve: parser suricata-eve failed: boom', raw: EVE });
    } finally {
      spy.mockRestore();
    }
  });

  test('RFC 3164 header: fills the time (configured zone) and the observer name when the line has neither', () => {
    const r = normalizeLine(`<13>Oct 11 22:14:15 sensor-01 suricata[42]: ${EVE_BARE}`, 1, opts());
    expect(r.kind).toBe('alert');
    if (r.kind !== 'alert') return;
    expect(r.alert.timestamp).toBe('2025-10-11T13:14:15.000Z');
    expect(r.alert.timezone_source).toBe('configured');
    expect(r.alert.observer.name).toBe('sensor-01');
    expect(NormalizedAlert.safeParse(r.alert).success).toBe(true);
  });

  test('RFC 5424 header: explicit time and host', () => {
    const r = normalizeLine(`<13>1 2025-11-06T11:32:42.868451+00:00 ids.example suricata 1 - - ${EVE_BARE}`, 1, opts());
    if (r.kind !== 'alert') throw new Error(JSON.stringify(r));
    expect(r.alert.timestamp).toBe('2025-11-06T11:32:42.868Z');
    expect(r.alert.timezone_source).toBe('explicit');
    expect(r.alert.observer.name).toBe('ids.example');
  });

  test('without a header the receive time stays, marked "received"', () => {
    const r = normalizeLine(EVE_BARE, 1, opts());
    if (r.kind !== 'alert') throw new Error(JSON.stringify(r));
    expect(r.alert.timestamp).toBe('2025-11-10T00:00:00.000Z');
    expect(r.alert.timezone_source).toBe('received');
    expect(r.alert.observer.name).toBeNull();
  });

  test("the line's own time and observer name win over the header's", () => {
    const r = normalizeLine(`<13>Oct 11 22:14:15 sensor-01 suricata: ${EVE}`, 1, opts());
    if (r.kind !== 'alert') throw new Error(JSON.stringify(r));
    expect(r.alert.timestamp).toBe('2022-07-12T06:22:33.415Z');
    expect(r.alert.timezone_source).toBe('explicit');
    expect(r.alert.observer.name).toBe('eth0');
  });

  test('an explicit format that has no parser is rejected', () => {
    expect(normalizeLine('x', 1, opts({ format: 'nonexistent' }))).toMatchObject({ kind: 'reject', error: 'unknown format nonexistent' });
  });
});
