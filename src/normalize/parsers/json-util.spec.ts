import fc from 'fast-check';
import type { ParseContext } from '../parser';
import { ecsParser } from './ecs.parser';
import { jsonSyntaxError, MAX_JSON_DEPTH, tryJson } from './json-util';
import { modsecurityParser } from './modsecurity.parser';
import { expectReject } from './parser-spec.helpers';
import { snortJsonParser } from './snort-json.parser';
import { suricataEveParser } from './suricata-eve.parser';

const ctx: ParseContext = { jurisdiction: 'j', receivedAt: Date.UTC(2024, 5, 1), timezone: '+09:00', originalMaxBytes: 4096 };
const nest = (depth: number, inner = '1') => '['.repeat(depth) + inner + ']'.repeat(depth);

describe('tryJson', () => {
  test('parses a JSON line', () => {
    expect(tryJson(' {"a":[1,{"b":"]"}]} ')).toEqual({ ok: true, value: { a: [1, { b: ']' }] } });
  });

  test('turns away what is not JSON with a reason, without JSON.parse throwing', () => {
    expect(tryJson('a')).toEqual({ ok: false, error: 'invalid JSON: unexpected "a" at position 0' });
    expect(tryJson('')).toEqual({ ok: false, error: 'invalid JSON: unexpected end of input at position 0' });
    expect(tryJson('{"event_type":"alert",')).toEqual({ ok: false, error: 'invalid JSON: unexpected end of input at position 22 (truncated line?)' });
    expect(tryJson('{"a":tru}')).toEqual({ ok: false, error: 'invalid JSON: unexpected "t" at position 5' });
  });

  test(`bounds nesting at ${MAX_JSON_DEPTH} levels, brackets inside strings aside`, () => {
    expect(tryJson(nest(MAX_JSON_DEPTH)).ok).toBe(true);
    expect(tryJson(nest(MAX_JSON_DEPTH + 1))).toEqual({ ok: false, error: `invalid JSON: nested deeper than ${MAX_JSON_DEPTH} levels` });
    expect(jsonSyntaxError(`["${'['.repeat(500)}"]`)).toBeNull();
    expect(jsonSyntaxError(`["\\"${'['.repeat(500)}"]`)).toBeNull();
  });

  // The validator must agree with JSON.parse: what it passes parses, what it refuses does not.
  test.each([
    '{}', '[]', ' {"a" : [ 1 , -2.5e+3 , true , false , null , "x\\u00e9\\n" ] } ', '"s"', '0', '-0.1', '1E5', '{"a":{"b":{}}}', '[[],[{}]]',
    '{', '}', '[1,]', '{"a":1,}', '{"a"}', '{a:1}', '01', '1.', '.5', '+1', '1e', '"\\x"', '"\\u12g4"', '"tab\there"', 'tru', 'nul', '[1 2]', '{"a":1}x', '[', '"', 'truex',
  ])('%j agrees with JSON.parse', (text) => {
    let parses = true;
    try {
      JSON.parse(text);
    } catch {
      parses = false;
    }
    expect(jsonSyntaxError(text) === null).toBe(parses);
  });
});

describe('jsonSyntaxError against JSON.parse', () => {
  const parses = (t: string) => {
    try {
      JSON.parse(t);
      return true;
    } catch {
      return false;
    }
  };
  test('agrees on valid JSON, on JSON with one character cut or changed, and on random text', () => {
    const mutated = fc.tuple(fc.json({ maxDepth: 6 }), fc.nat(), fc.constantFrom('', '"', ',', ']', '}', '\\', 'e', '-', ' ', '\u0001')).map(([j, at, ch]) => {
      const i = at % (j.length + 1);
      return j.slice(0, i) + ch + j.slice(i + 1);
    });
    fc.assert(fc.property(fc.oneof(fc.json({ maxDepth: 6 }), mutated, fc.string()), (t) => (jsonSyntaxError(t) === null) === parses(t)), { numRuns: 3000 });
  });
});

describe('JSON parsers and a 100,000-deep line', () => {
  const deepArray = nest(100_000);
  const deepInObject = `{"event_type":"alert","transaction":{},"client_ip":"1.2.3.4","alert":${nest(100_000)}}`;
  test.each([
    ['suricata-eve', suricataEveParser],
    ['snort-json', snortJsonParser],
    ['ecs', ecsParser],
    ['modsecurity', modsecurityParser],
  ])('%s rejects it with a reason and does not throw', (_name, parser) => {
    for (const line of [deepArray, deepInObject]) {
      if (!line.startsWith('{') && parser === modsecurityParser) continue; // a '[' line is a v2 error line for ModSecurity
      expect(expectReject(parser.parse(line, ctx))).toMatch(/nested deeper than 64 levels/);
    }
  });
});
