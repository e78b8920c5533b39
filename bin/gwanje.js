#!/usr/bin/env node
// The `gwanje` CLI. In a checkout it runs the TypeScript sources through tsx (no build step);
// an installed package runs the compiled dist/.
const path = require('node:path');
const fs = require('node:fs');
const root = path.resolve(__dirname, '..');
const src = path.join(root, 'src/cli/main.ts');
let useSource = fs.existsSync(src);
if (useSource) {
  try {
    require.resolve('tsx/cjs', { paths: [root] });
  } catch {
    useSource = false;
  }
}
if (useSource) {
  require(require.resolve('tsx/cjs', { paths: [root] }));
  require(src);
} else {
  require(path.join(root, 'dist/cli/main.js'));
}
