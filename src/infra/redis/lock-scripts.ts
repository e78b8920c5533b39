import { luaScript } from './scripts';

/** Token locks (SET NX PX): only the holder's token releases or extends them. */
export const releaseLock = luaScript<[lock: string], [token: string], 0 | 1>(__dirname, 'lua/release-lock-1.lua');
export const refreshLock = luaScript<[lock: string], [token: string, ttlMs: number], 0 | 1>(__dirname, 'lua/refresh-lock-1.lua');
