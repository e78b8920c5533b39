import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eventually, startTestApp, type TestApp } from '../helpers/app';
import { killAtFileEnd } from '../helpers/cleanup';
import { childrenOf, isAlive } from '../helpers/leaks';
import { ROOT, exited, runGwanje } from '../helpers/processes';

// spawnSync blocks jest's own timers: its timeout is what ends a CLI that hangs (generous: a loaded machine is slow).
const gwanje = (args: string[], env: Record<string, string>) =>
  spawnSync(process.execPath, [path.join(ROOT, 'bin/gwanje.js'), ...args], { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 120_000 });

const gwanjeAsync = runGwanje;

describe('gwanje CLI: keys', () => {
  let app: TestApp;
  let env: Record<string, string>;
  beforeAll(async () => {
    app = await startTestApp();
    env = { REDIS_URL: app.config.redis.url!, GWANJE_REDIS_PREFIX: app.config.redis.keyPrefix };
  });
  afterAll(() => app.close());

  it('creates a key that the API accepts, prints it once, and revokes it', async () => {
    const out = gwanje(['keys', 'create', '--jurisdiction', 'seoul-jongno', '--role', 'sensor', '--name', 'ids-1'], env);
    expect(out.status).toBe(0);
    const key = out.stdout.trim();
    expect(key).toMatch(/^gwk_[a-z0-9]{12}_/);
    const id = key.split('_')[1];
    expect(out.stderr).toContain(id);
    const listed = gwanje(['keys', 'list'], env);
    expect(listed.stdout).toContain(`${id}\tsensor\tseoul-jongno\tactive`);
    expect(listed.stdout).not.toContain(key);
    expect((await app.call('POST', '/v1/ingest?format=auto', { key, raw: 'x' })).status).toBe(202);
    expect(gwanje(['keys', 'revoke', id], env).status).toBe(0);
    // The key cache lives 2 s.
    await eventually(async () => (await app.call('POST', '/v1/ingest?format=auto', { key, raw: 'x' })).status === 401);
  });

  it('replays a log file through the API with a summary, and a second replay is a no-op', async () => {
    const file = path.join(ROOT, 'test/fixtures/suricata-sample.ndjson');
    const args = ['replay', file, '--format', 'suricata-eve', '--jurisdiction', 'seoul-mapo', '--url', app.base, '--key', app.config.adminKey!, '--batch-lines', '2'];
    const first = await gwanjeAsync(args, env);
    expect(first.stdout).toMatch(/5 lines in 3 requests/);
    expect(first.stdout).toMatch(/accepted 3, skipped 1 \(not alerts\), rejected 1/);
    expect(first.stdout).toMatch(/line 5: suricata-eve: invalid JSON/);
    expect(first.status).toBe(3); // some lines were rejected
    const again = await gwanjeAsync(args, env);
    expect(again.stdout).toMatch(/3 batches already sent before \(no-op\)/);
    const notAnId = gwanje(['replay', file, '--format', 'Klingon!', '--key', 'k'], env);
    expect(notAnId.status).toBe(2);
    expect(notAnId.stderr).toMatch(/--format: Klingon! is not a format id/);
    // An id the server has not loaded: its answer names the formats it knows.
    const unknown = await gwanjeAsync(['replay', file, '--format', 'klingon', '--jurisdiction', 'seoul-mapo', '--url', app.base, '--key', app.config.adminKey!], env);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/unknown format "klingon"; known: .*suricata-eve/);
    const missing = gwanje(['replay', '/nonexistent.log', '--format', 'cef', '--key', 'k'], env);
    expect(missing.stderr).toMatch(/\/nonexistent\.log/);
  });

  it('says which argument is wrong and exits non-zero', () => {
    const badRole = gwanje(['keys', 'create', '--jurisdiction', 'seoul', '--role', 'boss'], env);
    expect(badRole.status).toBe(2);
    expect(badRole.stderr).toMatch(/--role: boss is not one of admin, analyst, sensor, feed/);
    const badJ = gwanje(['keys', 'create', '--jurisdiction', 'atlantis', '--role', 'sensor'], env);
    expect(badJ.status).toBe(2);
    expect(badJ.stderr).toMatch(/--jurisdiction: atlantis is not declared/);
  });
});

/** `node dist/main.js` without REDIS_URL on a fresh data dir; resolves with its URL once the banner names it. */
async function startEmbedded(): Promise<{ child: ChildProcess; url: string; dataDir: string; stdout: () => string }> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'gwanje-data-'));
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', GWANJE_DATA_DIR: dataDir, LOG_LEVEL: 'warn', GWANJE_ADMIN_KEY: 'start-test-admin-key-123456' };
  delete env.REDIS_URL;
  // Killed at the end of the file should the test fail first; its redis-server dies with it (setpriv --pdeathsig).
  const child = killAtFileEnd(spawn(process.execPath, [path.join(ROOT, 'dist/main.js')], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] }));
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  // No clock here: it is up when the banner says so, failed when it exits first (the jest timeout catches a hang).
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', () => {
      const m = /API:\s+(http:\/\/\S+)\/v1/.exec(stdout);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`exited (${code}) before its start banner:\n${stdout}\n${stderr}`)));
  });
  return { child, url, dataDir, stdout: () => stdout };
}

describe('npm start without REDIS_URL', () => {
  it('starts its own redis-server under the data dir, serves, and stops it on SIGTERM', async () => {
    const { child, url, dataDir, stdout: out } = await startEmbedded();
    const stdout = out();
    try {
      expect(stdout).toMatch(/Docs:\s+http:\/\/\S+\/docs/);
      const health = await (await fetch(`${url}/health`)).json();
      expect(health).toMatchObject({ status: 'ok', redis: 'up' });
      const socket = path.join(dataDir, 'redis', 'redis.sock');
      expect(existsSync(socket)).toBe(true);
      expect(existsSync(path.join(dataDir, 'redis', 'appendonlydir'))).toBe(true);
      const docs = await fetch(`${url}/openapi.json`);
      expect(((await docs.json()) as { paths: Record<string, { post?: unknown }> }).paths['/v1/ingest'].post).toBeDefined();
      child.kill('SIGTERM');
      expect(await exited(child)).toBe(0);
      expect(existsSync(socket)).toBe(false);
    } finally {
      // A failed assertion must not leave the server (and its redis-server child) running.
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });

  const linux = process.platform === 'linux' ? it : it.skip;
  linux('a server killed with SIGKILL does not leave its redis-server behind', async () => {
    const { child, dataDir } = await startEmbedded();
    const [redis] = childrenOf(child.pid!).filter((c) => c.command.includes('redis-server'));
    expect(redis).toBeDefined();
    child.kill('SIGKILL');
    await exited(child);
    // The kernel sends the orphan SIGTERM: it writes its AOF, removes its socket and exits.
    await eventually(async () => !isAlive(redis.pid));
    expect(existsSync(path.join(dataDir, 'redis', 'redis.sock'))).toBe(false);
  });

  it('explains how to get Redis when no redis-server binary exists', async () => {
    const env = { PATH: '/nonexistent', PORT: '0', GWANJE_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'gwanje-data-')) };
    const out = spawnSync(process.execPath, [path.join(ROOT, 'dist/main.js')], { cwd: ROOT, env, encoding: 'utf8', timeout: 120_000 });
    expect(out.status).toBe(1);
    expect(out.stderr).toMatch(/redis-server' was not found/);
    expect(out.stderr).toMatch(/apt-get install -y redis-server/);
    expect(out.stderr).toMatch(/REDIS_URL/);
  });

  it('refuses to start on a bad config value, naming the key', () => {
    const out = spawnSync(process.execPath, [path.join(ROOT, 'dist/main.js')], { cwd: ROOT, env: { ...process.env, PORT: 'abc' }, encoding: 'utf8', timeout: 120_000 });
    expect(out.status).toBe(1);
    expect(out.stderr).toMatch(/server\.port \(from PORT\)/);
  });
});
