#!/usr/bin/env node
// Writes src/dashboard/public/lib/api-types.d.ts from the OpenAPI document, built in-process from
// the controllers' zod schemas (no server, no Redis). `--check` only says whether the file is current.
'use strict';
require('@swc-node/register');
const fs = require('node:fs');
const { buildOpenApiDocument, renderDashboardTypes, TYPES_FILE } = require('../test/helpers/dashboard-types.ts');

const text = renderDashboardTypes(buildOpenApiDocument());
const current = fs.existsSync(TYPES_FILE) ? fs.readFileSync(TYPES_FILE, 'utf8') : null;
if (process.argv.includes('--check')) {
  if (current !== text) {
    process.stderr.write(`${TYPES_FILE} is out of date: run node scripts/gen-dashboard-types.js\n`);
    process.exit(1);
  }
} else if (current !== text) {
  fs.writeFileSync(TYPES_FILE, text);
  process.stdout.write(`wrote ${TYPES_FILE}\n`);
}
