import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/** One file the dashboard serves: bytes, type, validators and caching policy. */
export interface Asset {
  body: Buffer;
  type: string;
  etag: string;
  cacheControl: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/** Our own files change with each release and keep their names: always revalidate (cheap, ETag). */
const REVALIDATE = 'no-cache';
/** Vendor files carry their package version in the URL: cache for a year. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * Where the front-end lives. tsc does not copy it to dist/, so it is found relative to the project
 * root from both src/dashboard (tsx, jest) and dist/dashboard (node dist/main.js); an image that
 * ships only dist/ copies it next to the compiled module instead (dist/dashboard/public).
 */
export function publicDir(): string {
  const candidates = [path.resolve(__dirname, '../../src/dashboard/public'), path.resolve(__dirname, 'public')];
  const found = candidates.find((d) => existsSync(path.join(d, 'index.html')));
  if (!found) throw new Error(`dashboard files not found (looked in ${candidates.join(', ')})`);
  return found;
}

function packageDir(pkg: string): string {
  // Some packages do not export their package.json: walk up from the resolved entry point.
  let dir = path.dirname(require.resolve(pkg));
  while (!existsSync(path.join(dir, 'package.json')) || JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')).name !== pkg) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`package ${pkg} not found`);
    dir = up;
  }
  return dir;
}
const versionOf = (dir: string): string => JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')).version;

/** Front-end libraries, served from node_modules (no CDN: SOC networks are closed). */
function vendorFiles(): Array<{ name: string; file: string; specifier?: string }> {
  const preact = packageDir('preact');
  const htm = packageDir('htm');
  const uplot = packageDir('uplot');
  const pv = versionOf(preact);
  return [
    { name: `preact-${pv}.mjs`, file: require.resolve('preact'), specifier: 'preact' },
    { name: `preact-hooks-${pv}.mjs`, file: require.resolve('preact/hooks'), specifier: 'preact/hooks' },
    { name: `htm-${versionOf(htm)}.mjs`, file: path.join(htm, 'dist/htm.module.js'), specifier: 'htm' },
    { name: `uplot-${versionOf(uplot)}.mjs`, file: path.join(uplot, 'dist/uPlot.esm.js'), specifier: 'uplot' },
    { name: `uplot-${versionOf(uplot)}.css`, file: path.join(uplot, 'dist/uPlot.min.css') },
  ];
}

const etagOf = (body: Buffer) => `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
const asset = (body: Buffer, file: string, cacheControl: string): Asset => ({ body, type: TYPES[path.extname(file)] ?? 'application/octet-stream', etag: etagOf(body), cacheControl });

export interface DashboardAssets {
  index: Asset;
  /** Files under /ui/ (app code, styles, i18n) by their path below public/. */
  ui: Map<string, Asset>;
  vendor: Map<string, Asset>;
  csp: string;
}

/**
 * Loads every file once. index.html gets the import map (bare specifiers → versioned vendor
 * URLs) and the vendor stylesheet link; the import map is the only inline script, allowed by
 * its hash in a strict Content-Security-Policy.
 */
export function loadDashboardAssets(dir = publicDir()): DashboardAssets {
  const vendor = new Map<string, Asset>();
  const imports: Record<string, string> = {};
  let uplotCss = '';
  for (const v of vendorFiles()) {
    vendor.set(v.name, asset(readFileSync(v.file), v.name, IMMUTABLE));
    if (v.specifier) imports[v.specifier] = `/ui/vendor/${v.name}`;
    else uplotCss = `/ui/vendor/${v.name}`;
  }
  const ui = new Map<string, Asset>();
  const walk = (sub: string) => {
    for (const name of readdirSync(path.join(dir, sub))) {
      const rel = sub ? `${sub}/${name}` : name;
      if (statSync(path.join(dir, rel)).isDirectory()) walk(rel);
      // jsconfig.json only tells tsc how to type-check these files.
      else if (rel !== 'index.html' && rel !== 'jsconfig.json' && TYPES[path.extname(name)]) ui.set(rel, asset(readFileSync(path.join(dir, rel)), name, REVALIDATE));
    }
  };
  walk('');
  const importMap = JSON.stringify({ imports });
  const scriptHash = createHash('sha256').update(importMap).digest('base64');
  const html = readFileSync(path.join(dir, 'index.html'), 'utf8')
    .replace('<!-- importmap -->', `<script type="importmap">${importMap}</script>`)
    .replace('<!-- vendor-css -->', `<link rel="stylesheet" href="${uplotCss}">`);
  const csp = [
    "default-src 'none'",
    `script-src 'self' 'sha256-${scriptHash}'`,
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
  return { index: asset(Buffer.from(html), 'index.html', REVALIDATE), ui, vendor, csp };
}
