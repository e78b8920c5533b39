import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { playbookDir } from '../helpers/playbooks';
import { ROOT, exited, runGwanje } from '../helpers/processes';

/**
 * The quick start as a newcomer follows it: `npm start` (building only when the sources changed),
 * a banner that says what to do next, the exact command it prints, and a logged-in dashboard.
 * Then the CLI against that running instance, and the start-up errors a second instance meets.
 */

const CHROMIUM = process.env.GWANJE_CHROMIUM ?? '/usr/bin/chromium';
const inCi = process.env.CI === 'true' || process.env.CI === '1';

/** The environment of a fresh shell: no Redis URL, no admin key, no test settings. */
function freshEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const k of ['REDIS_URL', 'GWANJE_ADMIN_KEY', 'GWANJE_KEY', 'GWANJE_URL', 'GWANJE_CONFIG', 'LOG_LEVEL', 'LOG_FORMAT', 'GWANJE_REDIS_PREFIX']) if (!(k in extra)) delete env[k];
  return env;
}

/** Wait for the banner (or the process's end); the text seen so far either way. */
function banner(child: ChildProcess, out: { stdout: string; stderr: string }, ms: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no banner within ${ms} ms:\n${out.stdout}\n${out.stderr}`)), ms);
    let seen = false;
    const check = () => {
      if (!seen && out.stdout.includes('Admin key:')) {
        seen = true;
        clearTimeout(t);
        setTimeout(() => resolve(out.stdout), 300); // the banner is one write; let it land whole
      }
    };
    child.stdout!.on('data', (d) => {
      out.stdout += d;
      check();
    });
    child.stderr!.on('data', (d) => (out.stderr += d));
    child.once('exit', () => {
      clearTimeout(t);
      if (!seen) reject(new Error(`exited before the banner:\n${out.stdout}\n${out.stderr}`));
    });
  });
}

/** Stop a child and, for `npm start` (its own process group), the node process npm runs. */
async function stop(child: ChildProcess, group = false) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const signal = (s: NodeJS.Signals) => {
    try {
      if (group) process.kill(-child.pid!, s);
      else child.kill(s);
    } catch {
      // already gone
    }
  };
  signal('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise((r) => (timer = setTimeout(() => r('timeout'), 20_000)));
  if ((await Promise.race([exited(child), late])) === 'timeout') signal('SIGKILL');
  clearTimeout(timer);
}

/** A port nothing listens on. */
async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** Poll until true (bounded by jest's timeout). */
async function until(check: () => boolean, ms = 15_000) {
  const end = Date.now() + ms;
  while (!check() && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
  return check();
}

describe('build only when the sources changed (npm start / prestart)', () => {
  jest.setTimeout(120_000);

  it('compiles a fresh checkout, skips an unchanged one (even when touched), and rebuilds after an edit', () => {
    // A miniature project with the real script: src/, the tsconfigs, and this checkout's TypeScript.
    const dir = mkdtempSync(path.join(tmpdir(), 'gwanje-build-'));
    mkdirSync(path.join(dir, 'scripts'));
    for (const f of ['build-if-stale.js', 'copy-lua.js']) cpSync(path.join(ROOT, 'scripts', f), path.join(dir, 'scripts', f));
    mkdirSync(path.join(dir, 'src/cli'), { recursive: true });
    writeFileSync(path.join(dir, 'src/main.ts'), 'export const a: number = 1;\n');
    writeFileSync(path.join(dir, 'src/cli/main.ts'), 'export const b: string = "x";\n');
    writeFileSync(path.join(dir, 'src/main.spec.ts'), 'export const spec = 1;\n');
    writeFileSync(path.join(dir, 'src/cli/x-1.lua'), "return redis.call('GET', KEYS[1])\n");
    writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'commonjs', target: 'ES2022', outDir: './dist', rootDir: './src', strict: true, types: [] }, include: ['src/**/*.ts'] }));
    writeFileSync(path.join(dir, 'tsconfig.build.json'), JSON.stringify({ extends: './tsconfig.json', exclude: ['src/**/*.spec.ts'] }));
    symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
    const build = () => spawnSync(process.execPath, ['scripts/build-if-stale.js'], { cwd: dir, encoding: 'utf8', timeout: 100_000 });

    const first = build();
    expect(first.stderr).toMatch(/compiling/);
    expect(first.status).toBe(0);
    const built = statSync(path.join(dir, 'dist/main.js')).mtimeMs;
    expect(readFileSync(path.join(dir, 'dist/cli/x-1.lua'), 'utf8')).toContain('KEYS[1]');
    expect(JSON.parse(readFileSync(path.join(dir, 'dist/.build-stamp.json'), 'utf8')).hash).toMatch(/^[0-9a-f]{64}$/);

    // Unchanged sources, even with a newer mtime (a checkout, an editor's save): no tsc.
    writeFileSync(path.join(dir, 'src/main.ts'), 'export const a: number = 1;\n');
    const second = build();
    expect(second.stderr).toMatch(/up to date/);
    expect(statSync(path.join(dir, 'dist/main.js')).mtimeMs).toBe(built);
    // A spec is not part of the build.
    writeFileSync(path.join(dir, 'src/main.spec.ts'), 'export const spec = 2;\n');
    expect(build().stderr).toMatch(/up to date/);

    writeFileSync(path.join(dir, 'src/main.ts'), 'export const a: number = 2;\n');
    const third = build();
    expect(third.stderr).toMatch(/compiling/);
    expect(readFileSync(path.join(dir, 'dist/main.js'), 'utf8')).toContain('exports.a = 2');

    // A type error fails the start and leaves no stamp, so the next start tries again.
    writeFileSync(path.join(dir, 'src/main.ts'), 'export const a: number = "two";\n');
    expect(build().status).toBe(1);
    expect(build().stderr).toMatch(/compiling/);
  });
});

describe('quick start: npm start, the banner, its command, a logged-in dashboard', () => {
  jest.setTimeout(240_000);
  const dataDir = mkdtempSync(path.join(tmpdir(), 'gwanje-quick-'));
  const out = { stdout: '', stderr: '' };
  let child: ChildProcess;
  let text: string;
  let url: string;
  let adminKey: string;

  beforeAll(async () => {
    // What a newcomer types, with ports a shared test machine has free.
    // Its own process group, as a terminal gives it: SIGTERM to npm alone leaves its node child running.
    child = spawn('npm', ['start'], { cwd: ROOT, env: freshEnv({ PORT: '0', GWANJE_SYSLOG_PORT: '0', GWANJE_DATA_DIR: dataDir }), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    text = await banner(child, out, 200_000);
    url = /Web:\s+(http:\/\/\S+)\/ \(dashboard\)/.exec(text)![1];
  }, 240_000);
  afterAll(() => stop(child, true));

  it('says where everything is: config file, Redis, syslog listeners and their ports, the log format', () => {
    expect(text).toMatch(new RegExp(`Config:\\s+${path.join(ROOT, 'config/gwanje.sample.yaml').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} \\(the bundled sample`));
    expect(text).toContain(`Redis:   embedded redis-server, data in ${path.join(dataDir, 'redis')}`);
    expect(text).toMatch(/Syslog:\s+udp-514 udp\/\d+, tcp-514 tcp\/\d+ on 0\.0\.0\.0 \(GWANJE_SYSLOG_PORT to move\)/);
    expect(text).toMatch(/Logs:\s+info, json/); // not a terminal: JSON
    // Nest's start-up chatter (one line per route) is not in the foreground at info.
    expect(out.stdout).not.toMatch(/Mapped \{/);
    expect(out.stdout).not.toMatch(/dependencies initialized/);
  });

  it('says no admin key is set and prints the exact command that creates one; that command works as printed', async () => {
    expect(text).toContain('Admin key: none yet');
    const command = /Create one, in a second terminal in this directory:\n\s+(.+)\n/.exec(text)![1];
    expect(command).toBe(`GWANJE_DATA_DIR=${dataDir} npx gwanje keys create --jurisdiction klid --role admin --name admin`);
    const run = spawnSync('sh', ['-c', command], { cwd: ROOT, env: freshEnv({}), encoding: 'utf8', timeout: 120_000 });
    expect(run.stderr).toMatch(/store it now/);
    expect(run.status).toBe(0);
    adminKey = run.stdout.trim();
    expect(adminKey).toMatch(/^gwk_/);
  });

  it('logs in to the dashboard with that key', async () => {
    const haveChromium = existsSync(CHROMIUM);
    if (!haveChromium && inCi) throw new Error(`Chromium is required in CI (apt-get install -y chromium); looked at ${CHROMIUM}`);
    if (!haveChromium) {
      // The same request the login form makes.
      const res = await fetch(`${url}/v1/overview?window=15m`, { headers: { 'x-api-key': adminKey } });
      expect(res.status).toBe(200);
      return;
    }
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
    try {
      const page = await browser.newPage();
      page.setDefaultTimeout(30_000);
      await page.goto(`${url}/`);
      await page.fill('[data-testid=login-key]', adminKey);
      await page.click('[data-testid=login-submit]');
      await page.waitForSelector('[data-testid=overview] [data-testid=stat-alerts]');
      expect(await page.textContent('[data-testid=who]')).toBeTruthy();
      mkdirSync(path.join(ROOT, 'test/artifacts'), { recursive: true });
      await page.screenshot({ path: path.join(ROOT, 'test/artifacts/quickstart-logged-in.png') });
    } finally {
      await browser.close();
    }
  });

  it('a restart now counts the stored admin key instead of asking for one', async () => {
    const again = spawn(process.execPath, ['dist/main.js'], { cwd: ROOT, env: freshEnv({ PORT: '0', GWANJE_SYSLOG_PORT: '0', GWANJE_DATA_DIR: dataDir }), stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      // Both processes share the embedded Redis (the first one owns it).
      const second = await banner(again, { stdout: '', stderr: '' }, 60_000);
      expect(second).toContain('Admin key: 1 active admin key stored (npx gwanje keys list)');
    } finally {
      await stop(again);
    }
  });

  it('logs changes at info but not the dashboard polls, static files or health checks', async () => {
    const before = out.stdout.length;
    for (const p of ['/health', '/', '/v1/overview?window=15m']) await (await fetch(url + p, { headers: { 'x-api-key': adminKey } })).text();
    await (await fetch(`${url}/v1/ingest?format=auto&jurisdiction=seoul-jongno`, { method: 'POST', headers: { 'x-api-key': adminKey, 'content-type': 'text/plain' }, body: 'not an alert' })).text();
    await new Promise((r) => setTimeout(r, 500));
    const lines = out.stdout.slice(before).split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { level: number; msg: string });
    expect(lines.filter((l) => /^GET /.test(l.msg))).toEqual([]);
    expect(lines).toContainEqual(expect.objectContaining({ level: 30, msg: expect.stringMatching(/^POST \/v1\/ingest\?format=auto&jurisdiction=seoul-jongno 202 \d+ ms$/) }));
  });

  it('gwanje replay finds the API from PORT alone and documents its exit codes', async () => {
    const port = new URL(url).port;
    const file = path.join(ROOT, 'test/fixtures/suricata-sample.ndjson');
    const r = await runGwanje(['replay', file, '--format', 'suricata-eve', '--jurisdiction', 'seoul-jongno'], { PORT: port, GWANJE_KEY: adminKey, GWANJE_URL: '' });
    expect(r.stdout).toMatch(/accepted 3, skipped 1 \(not alerts\), rejected 1/);
    expect(r.status).toBe(3);
    const viaUrl = await runGwanje(['replay', file, '--format', 'suricata-eve', '--jurisdiction', 'seoul-jongno', '--key', adminKey], { GWANJE_URL: url, PORT: '1' });
    expect(viaUrl.stdout).toMatch(/batches already sent before \(no-op\)/);
    const closed = await freePort();
    const down = await runGwanje(['replay', file, '--format', 'suricata-eve', '--key', adminKey], { GWANJE_URL: `http://127.0.0.1:${closed}` });
    expect(down.status).toBe(1);
    expect(down.stderr).toContain(`cannot reach Gwanje at http://127.0.0.1:${closed} (ECONNREFUSED): is it running? Set --url, GWANJE_URL or PORT`);
    const usage = await runGwanje(['replay', file]);
    expect(usage.status).toBe(2);
    expect(usage.stderr).toMatch(/required option '--format <format>'/);
    const help = await runGwanje(['replay', '--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/Exit codes: 0 every line accepted or skipped; 1 .*; 2 bad arguments; 3 some lines rejected/);
  });

  it('gwanje scenario --load posts a labelled scenario per jurisdiction and says what detection flagged', async () => {
    const r = await runGwanje(['scenario', '--seed', '7', '--load', '--users', '200', '--scanners', '20', '--attackers', '1', '--hours', '1'], { PORT: new URL(url).port, GWANJE_ADMIN_KEY: adminKey, GWANJE_URL: '' });
    expect(r.stderr).not.toMatch(/gwanje scenario:/);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^scenario seed 7: \d+ lines, \d+ benign IPs, 7 attackers/);
    expect(r.stdout).toMatch(/loaded into http:\/\/localhost:\d+: \d+ requests in [\d.]+ s/);
    expect(r.stdout).toMatch(/ {2}seoul-jongno +\d+ lines, accepted \d+, rejected 0/);
    const m = /detection: (\d+) of 7 labelled attackers flagged, (\d+) benign IPs flagged/.exec(r.stdout);
    expect(m).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThan(0);
    expect(r.stdout).not.toMatch(/var\/scenario/); // --load alone writes no files
  });

  it("the README's simulate example runs with the shipped examples/trigger.json", async () => {
    const r = await runGwanje(['simulate', 'playbooks/seoul-jongno.yaml', '--trigger', 'examples/trigger.json']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/decisions: 45\.155\.205\.7 in seoul-jongno for 24h/);
  });
});

describe('start-up errors name what to change', () => {
  jest.setTimeout(120_000);

  /** A port held by another process, on every address, for the duration of `f`. */
  async function withBusyPort<T>(f: (port: number) => Promise<T>): Promise<T> {
    const holder = net.createServer();
    await new Promise<void>((r) => holder.listen(0, '0.0.0.0', () => r()));
    try {
      return await f((holder.address() as net.AddressInfo).port);
    } finally {
      await new Promise((r) => holder.close(r));
    }
  }

  const start = (env: Record<string, string>) =>
    new Promise<{ status: number | null; stderr: string }>((resolve) => {
      const c = spawn(process.execPath, ['dist/main.js'], { cwd: ROOT, env: freshEnv({ GWANJE_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'gwanje-busy-')), ...env }), stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      c.stderr.on('data', (d) => (stderr += d));
      c.on('exit', (status) => resolve({ status, stderr }));
    });

  it('a syslog port in use names the listener, its config key and the variables that move it, and stops the embedded Redis', async () => {
    await withBusyPort(async (port) => {
      const dataDir = mkdtempSync(path.join(tmpdir(), 'gwanje-busy-'));
      const r = await start({ PORT: '0', GWANJE_SYSLOG_PORT: '0', GWANJE_SYSLOG_PORT_TCP_514: String(port), GWANJE_DATA_DIR: dataDir });
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`gwanje: cannot start: syslog listener "tcp-514" (tcp): 0.0.0.0:${port} is already in use (EADDRINUSE)`);
      expect(r.stderr).toContain('change syslog[1].port in the config file or set GWANJE_SYSLOG_PORT or GWANJE_SYSLOG_PORT_TCP_514');
      // The embedded Redis it had started goes with it.
      expect(await until(() => !existsSync(path.join(dataDir, 'redis', 'redis.sock')))).toBe(true);
    });
  });

  it('an HTTP port in use names server.port and PORT', async () => {
    await withBusyPort(async (port) => {
      const r = await start({ PORT: String(port), GWANJE_SYSLOG_PORT: '0' });
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`HTTP server: 0\\.0\\.0\\.0:${port} is already in use \\(EADDRINUSE\\).*change server\\.port in the config file or set PORT`));
    });
  });

  it('gwanje validate does not say "no documents" for a file whose one document is broken', async () => {
    const dir = playbookDir({ 'broken.yaml': 'apiVersion: gwanje/v1\nkind: Playbook\nid: x\nname: x\nowner: klid\nstatus: enforcing\ntrigger:\n  on: threat.flagged\nsteps:\n  - id: b\n    block: { duration: 1 day }\n' });
    const r = await runGwanje(['validate', dir]);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/broken\.yaml:11:\d+ {2}steps\[0\]\.block\.duration {2}a duration like 30s, 15m, 24h or 7d, got "1 day"/);
    expect(r.stderr).not.toMatch(/no documents/);
    expect(r.stderr).toMatch(/no valid document; 1 error\(s\) in 1 file/);
  });
});
