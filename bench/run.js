#!/usr/bin/env node
// Runs every bench/*.bench.ts in turn (TypeScript through @swc-node/register, which keeps the
// decorator metadata NestJS needs) and prints their figures. `npm run bench [name...]` runs some.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const only = process.argv.slice(2);
const files = fs.readdirSync(__dirname).filter((f) => f.endsWith('.bench.ts')).filter((f) => !only.length || only.some((o) => f.startsWith(o))).sort();
let failed = 0;
for (const f of files) {
  process.stdout.write(`\n# ${f}\n`);
  const r = spawnSync(process.execPath, ['-r', '@swc-node/register', path.join(__dirname, f)], { stdio: 'inherit', cwd: path.resolve(__dirname, '..') });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
