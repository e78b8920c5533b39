#!/usr/bin/env node
// `npm start` builds only when the sources changed since the last build: a SHA-256 over
// src/**/*.ts (specs excluded) and src/**/*.lua, the tsconfigs and the TypeScript version, kept in dist/.build-stamp.json.
// A fresh clone has no stamp, so `npm ci && npm start` builds once. Used as a module by bin/gwanje.js.
'use strict';
const { createHash } = require('node:crypto');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { copyLua, luaInSync } = require('./copy-lua');

const ROOT = path.resolve(__dirname, '..');
const STAMP = path.join(ROOT, 'dist', '.build-stamp.json');
const OUTPUTS = ['dist/main.js', 'dist/cli/main.js'].map((f) => path.join(ROOT, f));

function sourceFiles() {
  const files = [];
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if ((e.name.endsWith('.ts') && !e.name.endsWith('.spec.ts')) || e.name.endsWith('.lua')) files.push(p);
    }
  };
  walk(path.join(ROOT, 'src'));
  for (const f of ['tsconfig.json', 'tsconfig.build.json']) files.push(path.join(ROOT, f));
  return files.sort();
}

function typescriptVersion() {
  try {
    return require(require.resolve('typescript/package.json', { paths: [ROOT] })).version;
  } catch {
    return 'none';
  }
}

/** The hash of everything the build reads, and the newest modification time among those files. */
function sourceState() {
  const hash = createHash('sha256').update(`typescript ${typescriptVersion()}\0`);
  let newest = 0;
  for (const f of sourceFiles()) {
    hash.update(path.relative(ROOT, f)).update('\0').update(fs.readFileSync(f)).update('\0');
    newest = Math.max(newest, fs.statSync(f).mtimeMs);
  }
  return { hash: hash.digest('hex'), newest };
}

function readStamp() {
  try {
    return JSON.parse(fs.readFileSync(STAMP, 'utf8'));
  } catch {
    return null;
  }
}

/**
 * Whether dist/ matches the sources: 'stamp' when the last build-if-stale build saw these very
 * sources, 'mtime' when dist/ was written (by a plain tsc) after every source file, else false.
 */
function freshness(state = sourceState()) {
  // A plain tsc copies no Lua scripts (scripts/copy-lua.js): without them dist/ cannot run.
  if (!OUTPUTS.every((f) => fs.existsSync(f)) || !luaInSync()) return false;
  if (readStamp()?.hash === state.hash) return 'stamp';
  const built = Math.min(...OUTPUTS.map((f) => fs.statSync(f).mtimeMs));
  return built > state.newest ? 'mtime' : false;
}

function build() {
  const state = sourceState();
  // Only a build of ours (type-checked, stamped) lets `npm start` skip tsc: a stamp is exact.
  if (freshness(state) === 'stamp' && !process.argv.includes('--force')) {
    process.stderr.write('gwanje: dist/ is up to date with src/ (no build needed)\n');
    return 0;
  }
  process.stderr.write('gwanje: src/ changed since the last build, compiling (tsc -p tsconfig.build.json)…\n');
  const started = Date.now();
  try {
    execFileSync(process.execPath, [require.resolve('typescript/bin/tsc', { paths: [ROOT] }), '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
  } catch {
    copyLua(); // tsc emits despite type errors: keep that dist/ whole
    process.stderr.write('gwanje: the build failed (errors above); dist/ was not stamped\n');
    return 1;
  }
  copyLua();
  fs.writeFileSync(STAMP, JSON.stringify({ hash: state.hash, built: new Date().toISOString() }) + '\n');
  process.stderr.write(`gwanje: built in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  return 0;
}

module.exports = { sourceState, freshness, STAMP };

if (require.main === module) process.exitCode = build();
