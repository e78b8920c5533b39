#!/usr/bin/env node
// The `gwanje` CLI runs the compiled dist/ when it matches the sources (built by `npm start`,
// `npm run build` or `npx tsc -p tsconfig.build.json`); in a checkout whose src/ changed since,
// it runs the TypeScript sources through tsx instead, so it never runs stale code.
const path = require('node:path');
const fs = require('node:fs');
const root = path.resolve(__dirname, '..');
const src = path.join(root, 'src/cli/main.ts');
let useSource = false;
if (fs.existsSync(src)) {
  try {
    useSource = !require(path.join(root, 'scripts/build-if-stale.js')).freshness();
    if (useSource) require.resolve('tsx/cjs', { paths: [root] });
  } catch {
    // no tsx (a production install): dist/ is all there is
    useSource = false;
  }
}
if (useSource) {
  require(require.resolve('tsx/cjs', { paths: [root] }));
  require(src);
} else {
  require(path.join(root, 'dist/cli/main.js'));
}
