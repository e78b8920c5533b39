#!/usr/bin/env node
// The Redis Lua scripts (src/**/*.lua) are read at run time beside the code that declares them
// (src/infra/redis/scripts.ts); tsc copies no assets, so every build copies them into dist/ too.
// Run after `tsc -p tsconfig.build.json`; build-if-stale.js and the test global setup do.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const SRC = path.join(ROOT, 'src');
const DIST = path.join(ROOT, 'dist');

/** Every .lua under src/, relative to it, sorted. */
function luaFiles() {
  const out = [];
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.lua')) out.push(path.relative(SRC, p));
    }
  };
  walk(SRC);
  return out.sort();
}

function copyLua() {
  const files = luaFiles();
  for (const f of files) {
    fs.mkdirSync(path.dirname(path.join(DIST, f)), { recursive: true });
    fs.copyFileSync(path.join(SRC, f), path.join(DIST, f));
  }
  return files.length;
}

/** Whether dist/ holds every script of src/, byte for byte (a plain tsc build does not copy them). */
function luaInSync() {
  return luaFiles().every((f) => {
    try {
      return fs.readFileSync(path.join(DIST, f)).equals(fs.readFileSync(path.join(SRC, f)));
    } catch {
      return false;
    }
  });
}

module.exports = { luaFiles, copyLua, luaInSync };

if (require.main === module) process.stderr.write(`gwanje: copied ${copyLua()} Lua scripts into dist/\n`);
