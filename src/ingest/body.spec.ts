import iconv from 'iconv-lite';
import { ProblemError } from '../infra/http/problem';
import { splitBody, type BodyLine } from './body';

const lines = (body: string | Buffer, declared: Parameters<typeof splitBody>[1] = { format: 'auto' }): BodyLine[] => [...splitBody(Buffer.isBuffer(body) ? body : Buffer.from(body), declared)];
const problem = (body: string, declared: Parameters<typeof splitBody>[1]) => {
  try {
    splitBody(Buffer.from(body), declared);
  } catch (e) {
    if (!(e instanceof ProblemError) || e.status !== 400) throw e;
    return e.detail;
  }
  throw new Error('expected a 400');
};

describe('splitBody: text', () => {
  test('numbers lines from 1, keeps empty ones, drops only a trailing empty segment', () => {
    expect(lines('a\n\nb\n')).toEqual([{ line: 1, text: 'a' }, { line: 2, text: '' }, { line: 3, text: 'b' }]);
    expect(lines('a\r\nb')).toEqual([{ line: 1, text: 'a\r' }, { line: 2, text: 'b' }]);
  });

  test('decodes an EUC-KR line on its own, without garbling its UTF-8 neighbours', () => {
    const body = Buffer.concat([Buffer.from('서울 utf8\n'), iconv.encode('종로 euc-kr', 'euc-kr'), Buffer.from('\n강남 utf8')]);
    expect(lines(body).map((l) => l.text)).toEqual(['서울 utf8', '종로 euc-kr', '강남 utf8']);
  });

  test("reads a body that starts with '[' as lines unless the content type or the format says JSON", () => {
    const modsec = '[Fri Oct 02 03:24:00.123456 2026] [:error] [client 198.51.100.1:1] ModSecurity: Warning.\n[1:2008578:4] ET SCAN x';
    for (const declared of [{ format: 'auto' as const }, { format: 'modsecurity' as const, contentType: 'text/plain' }, { format: 'snort-fast' as const, contentType: 'application/x-ndjson' }])
      expect(lines(modsec, declared)).toHaveLength(2);
    expect(problem(modsec, { format: 'auto', contentType: 'application/json; charset=utf-8' })).toMatch(/^body: not a valid JSON array/);
    expect(problem(modsec, { format: 'suricata-eve' })).toMatch(/^body: not a valid JSON array/);
  });

  test('is lazy: lines come one at a time', () => {
    const it = splitBody(Buffer.from('a\n'.repeat(1000)), { format: 'auto' })[Symbol.iterator]();
    expect(it.next().value).toEqual({ line: 1, text: 'a' });
  });
});

describe('splitBody: JSON arrays', () => {
  const json = { format: 'auto' as const, contentType: 'application/json' };

  test('one line per element, re-serialized; a string element is the line itself', () => {
    const body = '[\n  {"a": [1, 2],\n   "b": "x]"},\n  "CEF:0|v|p|1|sig|name|5|src=1.2.3.4",\n  7\n]\n';
    expect(lines(body, json)).toEqual([
      { line: 1, text: '{"a":[1,2],"b":"x]"}' },
      { line: 2, text: 'CEF:0|v|p|1|sig|name|5|src=1.2.3.4' },
      { line: 3, text: '7' },
    ]);
    expect(lines(' [ ] ', json)).toEqual([]);
  });

  test('an element that is not JSON is a reject of its own', () => {
    expect(lines('[{"a":1}, {"a":tru}, ]', json)).toEqual([
      { line: 1, text: '{"a":1}' },
      { line: 2, text: '{"a":tru}', error: expect.stringMatching(/^invalid JSON: /) },
      { line: 3, text: '', error: expect.stringMatching(/^invalid JSON: /) },
    ]);
  });

  test('broken framing is a 400 naming the element and the line, before any line is read', () => {
    expect(problem('[{"a":1},\n' + '['.repeat(100_000) + ']'.repeat(100_000) + ']', json)).toBe('body: not a valid JSON array: element 2 (line 2) is nested deeper than 64 levels');
    expect(problem('[{"a":1},\n{"a":"open]', json)).toBe('body: not a valid JSON array: element 2 (line 2): unterminated string');
    expect(problem('[{"a":1]', json)).toBe("body: not a valid JSON array: element 1 (line 1): unexpected ']'");
    expect(problem('[1,2', json)).toBe("body: not a valid JSON array: no closing ']' (element 2, line 1)");
    expect(problem('[1]\n[2]', json)).toBe("body: not a valid JSON array: text after the closing ']' (line 1)");
  });
});
