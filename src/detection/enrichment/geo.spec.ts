import { NO_GEO, packagedGeoDb } from './geo';

/** The bundled databases (pinned package versions), read offline: well-known resolvers have well-known owners. */
describe('offline enrichment', () => {
  const db = packagedGeoDb();

  it('country from the mmdb, AS number and organisation from the ASN ranges, for IPv4', () => {
    expect(db.lookup('168.126.63.1')).toEqual({ country: 'KR', asn: 4766, org: 'Korea Telecom' });
    expect(db.lookup('8.8.8.8')).toEqual({ country: 'US', asn: 15169, org: 'Google LLC' });
    expect(db.lookup('1.1.1.1')).toMatchObject({ asn: 13335, org: 'Cloudflare, Inc.' }); // a quoted CSV field
  });

  it('IPv6 too', () => {
    expect(db.lookup('2001:4860:4860::8888')).toEqual({ country: 'US', asn: 15169, org: 'Google LLC' });
  });

  it('private, documentation and invalid addresses have no country or AS', () => {
    for (const ip of ['10.0.0.1', '192.168.1.1', '198.51.100.7', '2001:db8::1', '::1', 'not-an-ip']) expect(db.lookup(ip)).toEqual({ country: null, asn: null, org: null });
  });

  it('is loaded once per process', () => {
    expect(packagedGeoDb()).toBe(db);
    expect(NO_GEO.lookup('8.8.8.8')).toEqual({ country: null, asn: null, org: null });
  });
});
