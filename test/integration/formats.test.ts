import dgram from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SyslogService } from '../../src/ingest/syslog/syslog.service';
import { FormatsRegistry } from '../../src/formats/formats.registry';
import { eventually, startTestApp, type TestApp } from '../helpers/app';
import { atFileEnd } from '../helpers/cleanup';
import { runGwanje } from '../helpers/processes';

/** An officer's new device, written as data: a Korean IPS logging key=value pairs with Korean action words. */
const format = (name: string, extra = '') => `apiVersion: gwanje/v1
kind: LogFormat
metadata:
  id: acme-ips
  name: ${name}
  vendor: ACME
match:
  program: acmeips
extract:
  kv: {}
map:
  timestamp: {from: [date, time], join: ' ', layout: 'yyyy-MM-dd HH:mm:ss'}
  source.ip: sip
  source.port: sport
  destination.ip: dip
  rule.id: sid
  rule.name: msg
  action: act
  severity: {from: risk, map: {상: 4, 중: 3, 하: 2}}
${extra}samples:
  - line: '<134>Mar  2 18:15:00 ips-1 acmeips: date=2026-03-02 time=18:15:00 sip=45.155.205.7 sport=51000 dip=10.11.0.5 sid=1001 msg="SSH brute force" act=차단 risk=상'
    expect: {source.ip: 45.155.205.7, action.value: blocked, severity.id: 4, timestamp: '2026-03-02T09:15:00.000Z'}
`;

const line = (ip: string, sid: string) => `date=2026-03-02 time=18:15:00 sip=${ip} sport=51000 dip=10.11.0.5 sid=${sid} msg="SSH brute force" act=차단 risk=상`;

describe('LogFormat documents: written, tested, hot-loaded, ingested over HTTP and syslog', () => {
  jest.setTimeout(120_000);
  let app: TestApp;
  let dir: string;
  let udpPort: number;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'gwanje-formats-'));
    atFileEnd(async () => rmSync(dir, { recursive: true, force: true }));
    // A format present at start-up may be named by a syslog sender.
    writeFileSync(path.join(dir, 'boot.yaml'), format('Boot IPS').replace(/acme-ips/g, 'boot-ips').replace(/acmeips/g, 'bootips'));
    app = await startTestApp({
      formats: { dir, watch: true, watchDebounceMs: 20 },
      syslog: [{ name: 'udp', protocol: 'udp', host: '127.0.0.1', port: 0, senders: [{ cidr: '127.0.0.0/8', jurisdiction: 'seoul-jongno', format: 'boot-ips' }] }],
    });
    udpPort = app.app.get(SyslogService).bound.find((b) => b.name === 'udp')!.port;
  });
  afterAll(() => app.close());

  const alerts = async (j: string) => (await app.call('GET', `/v1/alerts?jurisdiction=${j}&limit=100`)).body.items;
  const listed = async () => (await app.call('GET', '/v1/formats')).body;

  it('start-up refuses a syslog sender whose format is neither built in nor loaded, naming the key', async () => {
    await expect(startTestApp({ formats: { dir }, syslog: [{ name: 'u2', protocol: 'udp', host: '127.0.0.1', port: 0, senders: [{ cidr: '127.0.0.0/8', jurisdiction: 'seoul-jongno', format: 'no-such-format' }] }] })).rejects.toThrow(
      /config syslog\[0\]\.senders\[0\]\.format: unknown format "no-such-format".*known: .*boot-ips/,
    );
  });

  it('an unknown format id is a 400 naming the known ones', async () => {
    const r = await app.call('POST', '/v1/ingest?format=acme-ips&jurisdiction=seoul-jongno', { raw: line('45.155.205.1', '1'), headers: { 'content-type': 'text/plain' } });
    expect(r.status).toBe(400);
    expect(r.problem.detail).toContain('unknown format "acme-ips"; known: suricata-eve');
    expect(r.problem.detail).toContain('boot-ips');
  });

  it('a new file hot-loads; its lines are stored normalized over HTTP, with ?format= and with auto', async () => {
    writeFileSync(path.join(dir, 'acme.yaml'), format('ACME IPS v1'));
    await eventually(async () => (await listed()).items.some((f) => f.id === 'acme-ips'));
    const f = (await listed()).items.find((x) => x.id === 'acme-ips')!;
    expect(f).toMatchObject({ builtIn: false, name: 'ACME IPS v1', file: 'acme.yaml', autoDetect: true, samples: 1 });

    const r = await app.call('POST', '/v1/ingest?format=acme-ips&jurisdiction=seoul-jongno', { raw: `${line('45.155.205.1', '1')}\ngarbage\n`, headers: { 'content-type': 'text/plain' } });
    expect(r.status).toBe(202);
    expect(r.body).toMatchObject({ accepted: 1, rejectedCount: 1, rejected: [{ line: 2, error: 'acme-ips: no key=value pairs' }] });
    // auto: recognised by the syslog program of its header.
    const a = await app.call('POST', '/v1/ingest?format=auto&jurisdiction=seoul-mapo', { raw: `<134>Mar  2 18:15:01 ips-7 acmeips[42]: ${line('45.155.205.2', '2')}\n`, headers: { 'content-type': 'text/plain' } });
    expect(a.body).toMatchObject({ accepted: 1, rejectedCount: 0 });

    const got = await eventually(async () => ((await alerts('seoul-jongno')).some((x) => x.source.ip === '45.155.205.1') ? alerts('seoul-jongno') : null));
    expect(got.find((x) => x.source.ip === '45.155.205.1')).toMatchObject({
      format: 'acme-ips', timestamp: '2026-03-02T09:15:00.000Z', timezone_source: 'configured', observer: { vendor: 'ACME', product: 'ACME IPS v1', name: null },
      source: { ip: '45.155.205.1', port: 51000 }, destination: { ip: '10.11.0.5', port: null }, rule: { id: '1', name: 'SSH brute force', category: null },
      action: { value: 'blocked', raw: '차단' }, severity: { id: 4, raw: '상' },
    });
    const mapo = await eventually(async () => ((await alerts('seoul-mapo')).length ? alerts('seoul-mapo') : null));
    expect(mapo[0]).toMatchObject({ format: 'acme-ips', source: { ip: '45.155.205.2' }, observer: { name: 'ips-7' } });
  });

  it('a syslog sender configured with a LogFormat id has its lines stored normalized (UDP)', async () => {
    const sock = dgram.createSocket('udp4');
    await new Promise<void>((r) => sock.send(`<134>Mar  2 18:15:02 ips-9 bootips: ${line('45.155.205.3', '3')}`, udpPort, '127.0.0.1', () => r()));
    sock.close();
    const got = await eventually(async () => (await alerts('seoul-jongno')).find((x) => x.source.ip === '45.155.205.3'));
    expect(got).toMatchObject({ format: 'boot-ips', rule: { id: '3' }, action: { value: 'blocked' }, observer: { name: 'ips-9' } });
  });

  it('a broken edit keeps the old version and lists its error at file:line:col; a fixed edit replaces it', async () => {
    // The sample now expects the wrong severity: the file does not load, v1 stays.
    writeFileSync(path.join(dir, 'acme.yaml'), format('ACME IPS v2').replace('severity.id: 4', 'severity.id: 5'));
    const errs = await eventually(async () => ((await listed()).errors.length ? (await listed()).errors : null));
    expect(errs).toEqual([expect.objectContaining({ file: 'acme.yaml', line: 22, column: 62, path: 'samples[0].expect.severity.id', message: 'sample 1: severity.id: expected 5, got 4' })]);
    expect((await listed()).items.find((x) => x.id === 'acme-ips')?.name).toBe('ACME IPS v1');
    const r = await app.call('POST', '/v1/ingest?format=acme-ips&jurisdiction=seoul-jongno', { raw: line('45.155.205.4', '4'), headers: { 'content-type': 'text/plain' } });
    expect(r.body).toMatchObject({ accepted: 1 });

    writeFileSync(path.join(dir, 'acme.yaml'), format('ACME IPS v3'));
    await eventually(async () => (await listed()).items.find((x) => x.id === 'acme-ips')?.name === 'ACME IPS v3');
    expect((await listed()).errors).toEqual([]);
  });

  it('a LogFormat may not take a built-in id (built-ins win)', async () => {
    writeFileSync(path.join(dir, 'clash.yaml'), format('Clash').replace(/acme-ips/g, 'fortigate'));
    const errs = await eventually(async () => ((await listed()).errors.length ? (await listed()).errors : null));
    expect(errs).toEqual([expect.objectContaining({ file: 'clash.yaml', line: 4, column: 3, path: 'metadata.id', message: expect.stringContaining('is a built-in format; built-in formats win') })]);
    expect((await listed()).items.filter((x) => x.id === 'fortigate')).toEqual([expect.objectContaining({ builtIn: true })]);
    rmSync(path.join(dir, 'clash.yaml'));
    await app.app.get(FormatsRegistry).reload();
  });

  it('POST /v1/formats/validate: errors with line:col, or each sample\'s result', async () => {
    const bad = await app.call('POST', '/v1/formats/validate?file=new.yaml', { raw: format('x').replace('  rule.id: sid\n', '  rule.idd: sid\n'), headers: { 'content-type': 'application/yaml' } });
    expect(bad.status).toBe(200);
    expect(bad.body).toMatchObject({ valid: false, errors: [{ file: 'new.yaml', line: 16, column: 3, path: 'map.rule.idd', message: 'unknown normalized field "rule.idd"', hint: 'did you mean "rule.id"?' }] });
    const good = await app.call('POST', '/v1/formats/validate', { raw: format('x'), headers: { 'content-type': 'application/yaml' } });
    expect(good.body).toMatchObject({ valid: true, errors: [], formats: [{ id: 'acme-ips', samples: [{ index: 0, ok: true, outcome: 'alert', fields: { 'source.ip': '45.155.205.7', 'severity.id': 4 } }] }] });
  });

  it('gwanje formats test reports file:line:col and exits 1 on a failing sample, 0 when all pass', async () => {
    const badFile = path.join(dir, '..', `${path.basename(dir)}-bad.yaml`);
    writeFileSync(badFile, format('x').replace('severity.id: 4', 'severity.id: 2'));
    atFileEnd(async () => rmSync(badFile, { force: true }));
    const bad = await runGwanje(['formats', 'test', badFile], { LOG_LEVEL: 'warn' });
    expect(bad.status).toBe(1);
    expect(bad.stdout).toMatch(/-bad\.yaml:22:62 {2}samples\[0\]\.expect\.severity\.id {2}sample 1: severity\.id: expected 2, got 4/);
    const good = await runGwanje(['formats', 'test', path.join(dir, 'acme.yaml')], { LOG_LEVEL: 'warn' });
    expect(good.stdout).toContain('acme-ips  sample 1: alert');
    expect(good.status).toBe(0);
    const none = await runGwanje(['formats', 'test', path.join(dir, 'nope.yaml')], { LOG_LEVEL: 'warn' });
    expect(none.status).toBe(2);
  });

  it('gwanje replay sends a device log file with a LogFormat id', async () => {
    const log = path.join(dir, '..', `${path.basename(dir)}-device.log`);
    writeFileSync(log, `${line('45.155.205.31', '31')}\n${line('45.155.205.32', '32')}\n`);
    atFileEnd(async () => rmSync(log, { force: true }));
    const r = await runGwanje(['replay', log, '--format', 'acme-ips', '--jurisdiction', 'seoul-gangnam', '--url', app.base, '--key', app.config.adminKey!], { LOG_LEVEL: 'warn' });
    expect(r.stdout).toMatch(/accepted 2, skipped 0 \(not alerts\), rejected 0/);
    expect(r.status).toBe(0);
    await eventually(async () => (await alerts('seoul-gangnam')).length === 2);
  });
});
