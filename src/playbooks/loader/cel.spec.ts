import { compileCel, type CelVariables } from './cel';

const vars: CelVariables = {
  alert: { object: 'alert', fields: { severity: { object: 'sev', fields: { id: 'int' } }, source: { object: 'src', fields: { ip: 'string' } }, tags: { list: 'string' } } },
  threat: { object: 'threat', fields: { country: 'string', jurisdictions: { list: 'string' }, score: 'double', labels: { map: 'string' } } },
};
const ok = (src: string) => {
  const c = compileCel(src, vars);
  if (!c.ok) throw new Error(c.message);
  return c.program;
};
const err = (src: string) => {
  const c = compileCel(src, vars);
  if (c.ok) throw new Error(`compiled: ${src}`);
  return c;
};
const bindings = { alert: { severity: { id: 4n }, source: { ip: '203.0.113.5' }, tags: ['a'] }, threat: { country: 'KR', jurisdictions: ['seoul', 'mapo'], score: 81.5, labels: { tlp: 'green' } } };

describe('CEL compile and type check', () => {
  it('compiles and evaluates well-typed expressions, macros and string functions included', () => {
    expect(ok('alert.severity.id >= 4 && threat.country == "KR"').test(bindings)).toBe(true);
    expect(ok('threat.jurisdictions.size() >= 2 && threat.score >= 80.0').test(bindings)).toBe(true);
    expect(ok('threat.jurisdictions.exists(j, j.startsWith("se")) && "mapo" in threat.jurisdictions').test(bindings)).toBe(true);
    expect(ok('alert.source.ip.matches("^203\\\\.0\\\\.113\\\\.") && threat.labels["tlp"] == "green"').test(bindings)).toBe(true);
    expect(ok('threat.country.lowerAscii() in ["kr", "jp"]').test(bindings)).toBe(true);
    expect(ok('alert.severity.id == 4 ? true : false').test(bindings)).toBe(true);
  });

  it('rejects unknown variables and fields, naming what exists', () => {
    expect(err('alrt.severity.id > 1').message).toMatch(/unknown variable alrt \(declared: alert, threat\)/);
    expect(err('alert.sorce.ip == "x"')).toMatchObject({ message: expect.stringMatching(/alert has no field sorce \(fields: severity, source, tags\)/), offset: 5 });
  });

  it('rejects operand type errors where they occur', () => {
    expect(err('alert.severity.id == "4"')).toMatchObject({ message: 'cannot compare int with string', offset: 18 });
    expect(err('threat.country > 3').message).toMatch(/cannot order string against int/);
    expect(err('alert.severity.id.startsWith("x")').message).toMatch(/startsWith\(\) is not defined on int/);
    expect(err('threat.score && true').message).toMatch(/expects bool operands/);
    expect(err('frobnicate(1)').message).toMatch(/unknown function frobnicate/);
    expect(err('1 in threat.jurisdictions').message).toMatch(/can never be in list\(string\)/);
  });

  it('requires a bool result and reports syntax errors with an offset', () => {
    expect(err('threat.country').message).toBe('expression gives string, expected bool');
    const s = err('alert.severity.id >= ');
    expect(s.message).toMatch(/^syntax:/);
    expect(typeof s.offset === 'number' || s.offset === undefined).toBe(true);
  });

  it('turns runtime errors into a false test, never a throw', () => {
    const p = ok('threat.labels["missing"] == "x"');
    expect(p.test(bindings)).toBe(false);
    expect(p.eval(bindings)).toMatchObject({ ok: false });
  });
});
