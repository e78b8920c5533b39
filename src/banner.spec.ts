import { adminKeyCommand, cliEnvOf, formatBanner, type BannerInfo } from './banner';

const base: BannerInfo = {
  role: 'all',
  url: 'http://localhost:8080',
  configFile: '/srv/gwanje/config/gwanje.sample.yaml',
  sampleConfig: true,
  redis: { embedded: true, dataDir: '/srv/gwanje/var/redis' },
  syslog: [
    { name: 'udp-514', protocol: 'udp', host: '0.0.0.0', port: 5514 },
    { name: 'tcp-514', protocol: 'tcp', host: '0.0.0.0', port: 5514 },
  ],
  adminKeyFrom: null,
  storedAdminKeys: 0,
  hub: 'klid',
  log: { level: 'info', format: 'pretty' },
  cliEnv: [],
};

describe('start-up banner', () => {
  it('without an admin key, gives the exact command that creates one and says where to log in', () => {
    const text = formatBanner(base);
    expect(text).toContain('Admin key: none yet');
    expect(text).toContain('    npx gwanje keys create --jurisdiction klid --role admin --name admin\n');
    expect(text).toContain('open http://localhost:8080/ and log in with it');
    expect(text).toMatch(/Config:\s+\/srv\/gwanje\/config\/gwanje\.sample\.yaml \(the bundled sample/);
    expect(text).toMatch(/Syslog:\s+udp-514 udp\/5514, tcp-514 tcp\/5514 on 0\.0\.0\.0/);
    expect(text).toMatch(/Redis:\s+embedded redis-server, data in \/srv\/gwanje\/var\/redis/);
  });

  it('says where the admin key comes from, or how many are stored', () => {
    expect(formatBanner({ ...base, adminKeyFrom: 'GWANJE_ADMIN_KEY' })).toContain('Admin key: set (GWANJE_ADMIN_KEY)');
    expect(formatBanner({ ...base, adminKeyFrom: 'GWANJE_ADMIN_KEY' })).not.toContain('keys create');
    const stored = formatBanner({ ...base, storedAdminKeys: 2 });
    expect(stored).toContain('2 active admin keys stored');
    expect(stored).toContain('npx gwanje keys create');
    expect(formatBanner({ ...base, syslog: [] })).toContain('Syslog:  no listeners');
  });

  it("prefixes the command with the environment the CLI needs to reach the server's Redis, never a Redis password", () => {
    const env = cliEnvOf({ GWANJE_DATA_DIR: '/tmp/my data', GWANJE_REDIS_PREFIX: 'gw', PORT: '9000' });
    expect(adminKeyCommand({ hub: 'klid', cliEnv: env })).toBe("GWANJE_DATA_DIR='/tmp/my data' GWANJE_REDIS_PREFIX=gw npx gwanje keys create --jurisdiction klid --role admin --name admin");
    expect(cliEnvOf({ REDIS_URL: 'redis://:s3cret@db:6379' })).toEqual([['REDIS_URL', '"$REDIS_URL"']]);
    expect(cliEnvOf({ REDIS_URL: 'redis://db:6379' })).toEqual([['REDIS_URL', 'redis://db:6379']]);
  });

  it('a worker says only what it uses', () => {
    expect(formatBanner({ ...base, role: 'worker', url: null })).toBe('Gwanje worker is up.\n  Config:  /srv/gwanje/config/gwanje.sample.yaml\n  Redis:   embedded redis-server, data in /srv/gwanje/var/redis\n');
  });
});
