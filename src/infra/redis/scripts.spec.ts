import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LuaScriptError, readLuaScript } from './scripts';

const SRC = path.resolve(__dirname, '../..');
function luaFiles(dir = SRC): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? luaFiles(p) : e.name.endsWith('.lua') ? [p] : [];
  });
}

describe('Lua script files', () => {
  it('every script under src/ is named <name>-<keys>.lua and its header declares exactly those KEYS', () => {
    const files = luaFiles();
    expect(files.length).toBeGreaterThanOrEqual(19);
    for (const f of files) expect(() => readLuaScript(f)).not.toThrow();
  });

  it('no Lua is left in TypeScript strings (redis.call outside .lua files)', () => {
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.name.endsWith('.ts') && !e.name.endsWith('.spec.ts') && /redis\.call\(|defineCommand\(|\.eval\(['"`]/.test(readFileSync(p, 'utf8'))) offenders.push(path.relative(SRC, p));
      }
    };
    walk(SRC);
    expect(offenders.filter((f) => f !== path.join('infra', 'redis', 'scripts.ts'))).toEqual([]);
  });

  describe('refuses a file whose header and name disagree', () => {
    let dir: string;
    beforeAll(() => (dir = mkdtempSync(path.join(tmpdir(), 'gw-lua-spec-'))));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const write = (name: string, text: string) => {
      writeFileSync(path.join(dir, name), text);
      return path.join(dir, name);
    };
    const header = (input: string) => `--[[\n  Input:\n${input}\n  Output:\n    x\n]]\n`;

    it('accepts a matching one', () => {
      expect(readLuaScript(write('ok-2.lua', header('    KEYS[1] a\n    KEYS[2] b\n    ARGV[1] c') + 'return KEYS[2]'))).toMatchObject({ numberOfKeys: 2 });
    });
    it.each([
      ['no key count in the name', 'plain.lua', header('    KEYS[1] a') + 'return 1', /named <name>-<number of keys>\.lua/],
      ['no header', 'bare-0.lua', "return redis.call('TIME')", /opens with a --\[\[/],
      ['header without Output', 'half-1.lua', '--[[\n  Input:\n    KEYS[1] a\n]]\nreturn 1', /opens with a --\[\[/],
      ['more keys declared than named', 'more-1.lua', header('    KEYS[1] a\n    KEYS[2] b') + 'return 1', /declares KEYS\[1, 2\], the name says 1/],
      ['fewer keys declared than named', 'fewer-2.lua', header('    KEYS[1] a') + 'return 1', /declares KEYS\[1\], the name says 2/],
      ['a key used but not declared', 'undeclared-1.lua', header('    KEYS[1] a') + "return redis.call('GET', KEYS[2])", /uses KEYS\[2\] beyond its 1 keys/],
    ])('%s', (_what, name, text, error) => {
      const f = write(name, text);
      expect(() => readLuaScript(f)).toThrow(LuaScriptError);
      expect(() => readLuaScript(f)).toThrow(error);
    });
  });
});
