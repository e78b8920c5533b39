import { readFileSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import type { ChainableCommander, Redis } from 'ioredis';

/**
 * Lua scripts live in their own `.lua` files (BullMQ's layout): `name-N.lua`, N the number of
 * KEYS, opening with a `--[[ … Input: KEYS[1] … ARGV[1] … Output: … ]]` header. The build copies
 * them beside the compiled code (scripts/copy-lua.js), so `__dirname` finds them in src/ and in dist/.
 */

/** What a script receives: Redis sees strings; numbers are sent in their decimal form. */
export type ScriptArg = string | number;

export interface LuaScript<Keys extends readonly string[], Args extends readonly ScriptArg[], Reply> {
  /** The ioredis command name (`gw:<path under src without -N.lua>`). */
  readonly name: string;
  readonly file: string;
  readonly numberOfKeys: number;
  readonly lua: string;
  /** Define the command on a client, once; pipelines made from it afterwards carry it too. */
  define(redis: Redis): void;
  /** EVALSHA (EVAL on NOSCRIPT) through ioredis' defineCommand. */
  run(redis: Redis, keys: Keys, args: Args): Promise<Reply>;
  /** Queue on a pipeline made from a client the script was defined on; the reply comes with exec(). */
  queue(pipe: ChainableCommander, keys: Keys, args: Args): void;
}

/** src/ or dist/: this file sits at <root>/infra/redis. */
const ROOT = resolve(__dirname, '..', '..');

export class LuaScriptError extends Error {}

/** Reads a script file and checks its header against the key count in its name. */
export function readLuaScript(file: string): { lua: string; numberOfKeys: number } {
  const m = /-(\d+)\.lua$/.exec(basename(file));
  if (!m) throw new LuaScriptError(`${file}: a script file is named <name>-<number of keys>.lua`);
  const numberOfKeys = Number(m[1]);
  const lua = readFileSync(file, 'utf8');
  const header = /^--\[\[([\s\S]*?)\]\]/.exec(lua);
  if (!header || !/\bInput:/.test(header[1]) || !/\bOutput:/.test(header[1])) throw new LuaScriptError(`${file}: opens with a --[[ … Input: … Output: … ]] header`);
  const declared = [...header[1].matchAll(/KEYS\[(\d+)\]/g)].map((k) => Number(k[1]));
  const expected = Array.from({ length: numberOfKeys }, (_, i) => i + 1);
  if ([...new Set(declared)].sort((a, b) => a - b).join() !== expected.join()) {
    throw new LuaScriptError(`${file}: the header declares KEYS[${[...new Set(declared)].join(', ')}], the name says ${numberOfKeys}`);
  }
  // A key the header does not declare would be passed as an argument, outside KEYS (and outside the key's slot).
  const body = lua.slice(header[0].length);
  const used = [...body.matchAll(/KEYS\[(\d+)\]/g)].map((k) => Number(k[1])).filter((n) => n > numberOfKeys);
  if (used.length) throw new LuaScriptError(`${file}: uses KEYS[${used[0]}] beyond its ${numberOfKeys} keys`);
  return { lua, numberOfKeys };
}

/** What defineCommand adds to a client and to its pipelines: a method under the command's name. */
function hasCommand<R>(target: object, name: string): target is Record<string, (...args: ScriptArg[]) => R> {
  return typeof Reflect.get(target, name) === 'function';
}

/**
 * Declare a script by its file (relative to `dir`, normally the caller's `__dirname`). Types are
 * the script's contract, as its header states it: KEYS as a tuple, ARGV as a tuple (or a rest
 * list for scripts that take groups), and the reply Redis converts the Lua value into.
 */
export function luaScript<Keys extends readonly string[], Args extends readonly ScriptArg[], Reply>(dir: string, file: string): LuaScript<Keys, Args, Reply> {
  const path = join(dir, file);
  const { lua, numberOfKeys } = readLuaScript(path);
  const name = `gw:${relative(ROOT, path).split('\\').join('/').replace(/-\d+\.lua$/, '')}`;
  // ioredis would take surplus keys as ARGV, silently: refuse them instead.
  const checkKeys = (keys: readonly string[]) => {
    if (keys.length !== numberOfKeys) throw new LuaScriptError(`${name} takes ${numberOfKeys} keys, got ${keys.length}`);
  };
  const define = (redis: Redis) => {
    if (!hasCommand(redis, name)) redis.defineCommand(name, { numberOfKeys, lua });
  };
  return {
    name,
    file: path,
    numberOfKeys,
    lua,
    define,
    run(redis, keys, args) {
      checkKeys(keys);
      define(redis);
      if (!hasCommand<Promise<Reply>>(redis, name)) throw new LuaScriptError(`${name} is not defined on this client`);
      return redis[name](...keys, ...args);
    },
    queue(pipe, keys, args) {
      checkKeys(keys);
      if (!hasCommand<ChainableCommander>(pipe, name)) throw new LuaScriptError(`${name}: define the script on the client before creating the pipeline`);
      pipe[name](...keys, ...args);
    },
  };
}
