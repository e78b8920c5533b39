import { checkRegexSafety } from './regex-safety';
import { expandGrok, GROK_BASE } from './grok';

describe('regex safety (catastrophic backtracking refused at load)', () => {
  test.each([
    ['(a+)+$', 4],
    ['^(\\w*\\s?)*$', 9],
    ['(a|ab)*c', 6],
    ['(?:x(?:y+))*', 11],
    ['(?<v>[^,]*,?)+', 13],
    ['(a{1,})*', 7],
  ])('%s is refused at the repeating quantifier', (src, offset) => {
    expect(checkRegexSafety(src)).toEqual({ message: expect.stringContaining('nested repetition'), offset });
  });

  test.each(['^\\d+,[^,]*,(?:pass|block),', '(\\d{1,3}\\.){3}\\d{1,3}', '(?:ab)+c', '"[^"]*"', '[(+*]+', '\\(a+\\)+', '(?:Z|[+-]\\d{2})?', 'a{2,5}(b{1,3}){1,4}', '(?<name>x+) (?<=y)z*'])('%s passes', (src) => {
    expect(checkRegexSafety(src)).toBeNull();
  });

  test('every base grok pattern passes the check', () => {
    for (const name of Object.keys(GROK_BASE)) expect([name, checkRegexSafety(expandGrok(`%{${name}:f}`).source)]).toEqual([name, null]);
  });
});

describe('grok expansion', () => {
  test('named captures, nested references, custom patterns, dotted names', () => {
    const g = expandGrok('%{IP:source.ip}:%{INT:port} %{MYWORD:w} %{SYSLOGTIMESTAMP}', { MYWORD: '[a-z]+' });
    expect(g.fields).toEqual(['source_ip', 'port', 'w']);
    const re = new RegExp(`^${g.source}$`);
    expect(re.exec('10.0.0.1:80 abc Jun  5 09:00:01')?.groups).toEqual({ source_ip: '10.0.0.1', port: '80', w: 'abc' });
    expect(re.exec('2001:db8::1:80 abc Jun 15 09:00:01')?.groups?.source_ip).toBe('2001:db8::1');
  });

  test('an unknown pattern names itself and its offset; a pattern that refers to itself is caught', () => {
    expect(() => expandGrok('x %{NOPE:a}')).toThrow(expect.objectContaining({ message: 'unknown grok pattern NOPE', offset: 2 }));
    expect(() => expandGrok('%{A}', { A: '%{A}' })).toThrow('refers to itself');
    expect(() => expandGrok('%{INT:a} %{INT:a}')).toThrow('captured twice');
  });
});
