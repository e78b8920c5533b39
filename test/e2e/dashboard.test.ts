import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { ADMIN_KEY, eventually, startTestApp, type TestApp } from '../helpers/app';

/**
 * The web dashboard in a real browser: Debian's Chromium driven by playwright-core. Logs in with
 * an analyst key, sees an IP flagged from posted alerts, approves the block a playbook asks for,
 * sees it in the EDL feed, unblocks it. A screenshot of each main screen goes to test/artifacts/ (not committed).
 */
const CHROMIUM = process.env.GWANJE_CHROMIUM ?? '/usr/bin/chromium';
const ARTIFACTS = path.resolve(__dirname, '../artifacts');
const haveChromium = existsSync(CHROMIUM);
const inCi = process.env.CI === 'true' || process.env.CI === '1';

if (!haveChromium && !inCi)
  process.stderr.write(`\n[dashboard e2e] SKIPPED: no Chromium at ${CHROMIUM} (apt-get install -y chromium fonts-noto-cjk). In CI this suite fails instead.\n\n`);

/** A port scan of many ports from one IP in a few seconds: the default `port-scan` rule flags it. */
function portScan(src: string, dst: string, ports: number): string {
  const now = Date.now();
  const lines: string[] = [];
  for (let k = 0; k < ports; k++) {
    const ts = new Date(now - (ports - k) * 1000).toISOString().replace('Z', '000+0000');
    lines.push(
      JSON.stringify({
        timestamp: ts,
        event_type: 'alert',
        src_ip: src,
        src_port: 40000 + k,
        dest_ip: dst,
        dest_port: 1000 + k * 7,
        proto: 'TCP',
        host: 'ids-e2e',
        alert: { action: 'allowed', gid: 1, signature_id: 2009582, rev: 3, signature: 'ET SCAN NMAP -sS window 1024', category: 'Attempted Information Leak', severity: 2 },
      }),
    );
  }
  return lines.join('\n');
}

const describeBrowser = haveChromium || inCi ? describe : describe.skip;

describeBrowser('web dashboard in Chromium', () => {
  let app: TestApp;
  let browser: Browser;
  let page: Page;
  let analystKey: string;
  let feedKey: string;
  const requestUrls: string[] = [];
  const pageErrors: string[] = [];
  const cspViolations: string[] = [];
  // A domestic (KR) source: Jongno's sample playbook asks an officer before blocking it.
  const attacker = '211.234.5.6';
  const j = 'seoul-jongno';

  const shot = (name: string) => page.screenshot({ path: path.join(ARTIFACTS, `dashboard-${name}.png`), fullPage: true });
  const edl = async () => (await app.call('GET', `/v1/feeds/${j}/edl.txt`, { key: null, headers: { authorization: `Basic ${Buffer.from(`firewall:${feedKey}`).toString('base64')}` } })).text;

  beforeAll(async () => {
    if (!haveChromium) throw new Error(`Chromium is required in CI: install it (apt-get install -y chromium) or set GWANJE_CHROMIUM; looked at ${CHROMIUM}`);
    mkdirSync(ARTIFACTS, { recursive: true });
    app = await startTestApp();
    const analyst = await app.call('POST', '/v1/keys', { body: { role: 'analyst', jurisdiction: 'seoul', name: 'e2e analyst' } });
    expect(analyst.status).toBe(201);
    analystKey = analyst.body.key;
    const feed = await app.call('POST', '/v1/keys', { body: { role: 'feed', jurisdiction: j, name: 'e2e firewall' } });
    expect(feed.status).toBe(201);
    feedKey = feed.body.key;
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, locale: 'ko-KR', timezoneId: 'Asia/Seoul' });
    page = await context.newPage();
    page.setDefaultTimeout(20_000);
    page.on('request', (r) => requestUrls.push(r.url()));
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) cspViolations.push(m.text());
    });
  }, 90_000);

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    await app?.close();
  });

  it('logs in with an analyst key, in Korean by default', async () => {
    await page.goto(app.base + '/');
    await page.waitForSelector('[data-testid=login]');
    expect(await page.getAttribute('html', 'lang')).toBe('ko');
    expect(await page.textContent('[data-testid=login]')).toContain('API 키로 로그인');
    await shot('login');

    // A wrong key is refused with a message the officer understands.
    await page.fill('[data-testid=login-key]', 'not-a-real-key-000000000');
    await page.click('[data-testid=login-submit]');
    await page.waitForSelector('[data-testid=login-error]');
    expect(await page.textContent('[data-testid=login-error]')).toContain('올바르지 않');

    await page.fill('[data-testid=login-key]', analystKey);
    await page.click('[data-testid=login-submit]');
    await page.waitForSelector('[data-testid=overview] [data-testid=stat-alerts]');
    expect(await page.textContent('[data-testid=who]')).toContain('분석관');
    // The key is kept in this tab's session storage only.
    expect(await page.evaluate(() => sessionStorage.getItem('gwanje.apiKey'))).toBe(analystKey);
    expect(await page.evaluate(() => JSON.stringify(localStorage))).not.toContain(analystKey);
  }, 60_000);

  it('shows an IP flagged from posted alerts in the threat list and its profile', async () => {
    const res = await app.call('POST', `/v1/ingest?format=suricata-eve&jurisdiction=${j}`, { raw: portScan(attacker, '10.11.0.5', 60), headers: { 'content-type': 'application/x-ndjson' } });
    expect(res.status).toBe(202);
    expect(res.body.accepted).toBe(60);
    await eventually(async () => (await app.call('GET', '/v1/threats?min_score=1', { key: analystKey })).body.items?.some((t: { ip: string; flagged: boolean }) => t.ip === attacker && t.flagged), 30_000, 200);

    // The overview picks the alerts up on its own (polling / live refresh), no reload.
    await eventually(async () => Number((await page.textContent('[data-testid=stat-alerts] .stat-value'))?.replace(/\D/g, '')) >= 60, 20_000, 250);
    await eventually(async () => Number((await page.textContent('[data-testid=stat-flagged] .stat-value'))?.replace(/\D/g, '')) >= 1, 20_000, 250);
    expect(await page.textContent('[data-testid=rules-table]')).toContain('ET SCAN NMAP');
    await page.waitForSelector('.chart canvas');
    await shot('overview');

    await page.click('[data-testid=nav-threats]');
    const row = page.locator('[data-testid=threats-table] tbody tr', { hasText: attacker });
    await row.waitFor();
    expect(await row.textContent()).toContain('탐지됨');
    expect(await row.textContent()).toContain('port-scan');
    await shot('threats');

    await row.locator('a.ip').click();
    await page.waitForSelector('[data-testid=ip-timeline] tbody tr');
    const profile = await page.textContent('[data-testid=ip-profile]');
    expect(profile).toContain(`IP 상세: ${attacker}`);
    expect(profile).toContain('Port scan');
    expect(profile).toContain('종로구');
    await shot('ip-profile');
  }, 90_000);

  it('approves the pending block, sees it in the EDL feed, unblocks it', async () => {
    expect(await edl()).not.toContain(attacker);
    await page.click('[data-testid=nav-approvals]');
    // playbooks/seoul-jongno.yaml: a domestic source waits for an officer's approval.
    const card = page.locator('.approval', { hasText: attacker });
    await card.waitFor({ timeout: 30_000 });
    expect(await card.locator('[data-testid=approval-change]').textContent()).toContain(attacker);
    expect(await edl()).not.toContain(attacker);
    await shot('approvals');
    await card.locator('[data-testid=approve]').click();
    await card.locator('[data-testid=decide-confirm]').click();
    await eventually(async () => (await edl()).includes(attacker), 20_000, 200);

    await page.click('[data-testid=nav-decisions]');
    const row = page.locator('[data-testid=decisions-table] tbody tr', { hasText: attacker });
    await row.waitFor();
    expect(await row.textContent()).toContain('차단 중');
    // The live stream (SSE over fetch) is connected.
    await page.waitForSelector('[data-testid=live].live');
    await shot('decisions');

    await row.locator('[data-testid=unblock]').click();
    await row.locator('[data-testid=unblock-reason]').fill('e2e: 오탐 확인');
    await row.locator('[data-testid=unblock-confirm]').click();
    await page.locator('[data-testid=decisions-table] tbody tr', { hasText: attacker }).waitFor({ state: 'detached' });
    await eventually(async () => !(await edl()).includes(attacker), 20_000, 200);
    const history = await app.call('GET', `/v1/decisions?value=${attacker}`, { key: analystKey });
    expect(history.body.items[0]).toMatchObject({ status: 'ended', ended: { reason: 'e2e: 오탐 확인' } });
  }, 90_000);

  it('shows playbooks and switches to English', async () => {
    await page.click('[data-testid=nav-playbooks]');
    await page.waitForSelector('[data-testid=playbooks] .card');
    await shot('playbooks');

    await page.click('[data-testid=nav-overview]');
    await page.click('[data-testid=lang-switch]');
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    expect(await page.textContent('[data-testid=nav-threats]')).toBe('Threats');
    expect(await page.textContent('[data-testid=who]')).toContain('analyst');
    await page.waitForSelector('.chart canvas');
    await shot('overview-en');
    await page.click('[data-testid=lang-switch]');
    await page.waitForFunction(() => document.documentElement.lang === 'ko');
  }, 60_000);

  it('never put the key in a URL, loaded nothing from outside, broke no CSP rule', () => {
    expect(requestUrls.length).toBeGreaterThan(10);
    expect(requestUrls.filter((u) => u.includes(analystKey) || u.includes(ADMIN_KEY))).toEqual([]);
    expect(requestUrls.filter((u) => !u.startsWith(app.base) && !u.startsWith('data:'))).toEqual([]);
    expect(pageErrors).toEqual([]);
    expect(cspViolations).toEqual([]);
  });

  it('signs out and forgets the key', async () => {
    await page.click('[data-testid=logout]');
    await page.waitForSelector('[data-testid=login]');
    expect(await page.evaluate(() => sessionStorage.getItem('gwanje.apiKey'))).toBeNull();
  });
});
