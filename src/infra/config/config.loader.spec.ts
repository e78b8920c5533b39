import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, DEFAULT_CONFIG_FILE, loadConfig, syslogEnvName } from './config.loader';

const file = (text: string) => {
  const f = path.join(mkdtempSync(path.join(tmpdir(), 'gwcfg-')), 'c.yaml');
  writeFileSync(f, text);
  return f;
};

describe('loadConfig', () => {
  it('loads the bundled sample with a hub, Seoul and districts', () => {
    const c = loadConfig({ GWANJE_CONFIG: DEFAULT_CONFIG_FILE });
    expect(c.jurisdictions.find((j) => j.id === 'klid')?.parent).toBeNull();
    expect(c.jurisdictions.filter((j) => j.parent === 'seoul').length).toBeGreaterThanOrEqual(2);
    expect(c.server.port).toBe(8080);
  });

  it('lets the environment override keys and names the variable when its value is bad', () => {
    expect(loadConfig({ GWANJE_CONFIG: DEFAULT_CONFIG_FILE, PORT: '9999' }).server.port).toBe(9999);
    expect(() => loadConfig({ GWANJE_CONFIG: DEFAULT_CONFIG_FILE, PORT: 'eighty' })).toThrow(/server\.port \(from PORT\)/);
    expect(() => loadConfig({ GWANJE_CONFIG: DEFAULT_CONFIG_FILE, GWANJE_ROLE: 'boss' })).toThrow(/role \(from GWANJE_ROLE\)/);
    expect(() => loadConfig({ GWANJE_CONFIG: DEFAULT_CONFIG_FILE, REDIS_URL: 'not a url' })).toThrow(/redis\.url/);
  });

  it('names the key of a bad value in the file, and unknown keys', () => {
    const bad = file('jurisdictions: [{ id: a, name: A }]\ningest: { chunkSize: -1 }\n');
    expect(() => loadConfig({ GWANJE_CONFIG: bad })).toThrow(ConfigError);
    expect(() => loadConfig({ GWANJE_CONFIG: bad })).toThrow(/ingest\.chunkSize/);
    expect(() => loadConfig({ GWANJE_CONFIG: file('jurisdictions: [{ id: a, name: A }]\nsevrer: {}\n') })).toThrow(/sevrer/);
  });

  it('refuses zone offsets out of range wherever a zone is configured', () => {
    expect(() => loadConfig({ GWANJE_CONFIG: file('jurisdictions: [{ id: a, name: A, timezone: "+99:99" }]\n') })).toThrow(/jurisdictions\[0\]\.timezone/);
    expect(() => loadConfig({ GWANJE_CONFIG: file('jurisdictions: [{ id: a, name: A }]\ningest: { defaultTimezone: "-09:60" }\n') })).toThrow(/ingest\.defaultTimezone/);
  });

  it('checks the hierarchy and syslog routes refer to declared jurisdictions', () => {
    expect(() => loadConfig({ GWANJE_CONFIG: file('jurisdictions: [{ id: a, name: A, parent: zz }]\n') })).toThrow(/jurisdictions\[0\]\.parent: unknown jurisdiction zz/);
    expect(() => loadConfig({ GWANJE_CONFIG: file('jurisdictions: [{ id: a, name: A }, { id: a, name: B }]\n') })).toThrow(/duplicate id a/);
    expect(() =>
      loadConfig({ GWANJE_CONFIG: file('jurisdictions: [{ id: a, name: A }]\nsyslog: [{ name: u, protocol: udp, port: 514, senders: [{ cidr: 10.0.0.0/8, jurisdiction: b }] }]\n') }),
    ).toThrow(/syslog\[0\]\.senders\[0\]\.jurisdiction/);
  });

  it('moves syslog ports from the environment: every listener, or one by name, and names the variable when bad', () => {
    const all = loadConfig({ GWANJE_CONFIG: DEFAULT_CONFIG_FILE, GWANJE_SYSLOG_PORT: '6514' });
    expect(all.syslog.map((l) => l.port)).toEqual([6514, 6514]);
    const one = loadConfig({ GWANJE_CONFIG: DEFAULT_CONFIG_FILE, GWANJE_SYSLOG_PORT: '6514', GWANJE_SYSLOG_PORT_TCP_514: '7514' });
    expect(one.syslog.map((l) => [l.name, l.port])).toEqual([['udp-514', 6514], ['tcp-514', 7514]]);
    expect(() => loadConfig({ GWANJE_CONFIG: DEFAULT_CONFIG_FILE, GWANJE_SYSLOG_PORT_UDP_514: 'x' })).toThrow(/syslog\[0\]\.port \(from GWANJE_SYSLOG_PORT_UDP_514\)/);
    expect(syslogEnvName('udp-514')).toBe('UDP_514');
  });

  it('takes the log format from LOG_FORMAT (auto by default)', () => {
    expect(loadConfig({ GWANJE_CONFIG: DEFAULT_CONFIG_FILE }).log.format).toBe('auto');
    expect(loadConfig({ GWANJE_CONFIG: DEFAULT_CONFIG_FILE, LOG_FORMAT: 'json' }).log.format).toBe('json');
    expect(() => loadConfig({ GWANJE_CONFIG: DEFAULT_CONFIG_FILE, LOG_FORMAT: 'fancy' })).toThrow(/log\.format \(from LOG_FORMAT\)/);
  });

  it('reports a missing or unreadable file by name', () => {
    expect(() => loadConfig({ GWANJE_CONFIG: '/nonexistent/gwanje.yaml' })).toThrow(/\/nonexistent\/gwanje\.yaml/);
  });
});
