import { canonicalIp, parsePort, splitHostPort } from './ip';

describe('canonicalIp (RFC 5952)', () => {
  test.each([
    ['1.2.3.4', '1.2.3.4'],
    [' 1.2.3.4 ', '1.2.3.4'],
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['2001:0DB8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['2001:DB8::A', '2001:db8::a'],
    ['fdfd:0ace:0ace:0010:00d8:cdbf:f6f8:6d69', 'fdfd:ace:ace:10:d8:cdbf:f6f8:6d69'],
    ['0000:0000:0000:0000:0000:0000:0000:0001', '::1'],
    ['0:0:0:0:0:0:0:0', '::'],
    // longest zero run is compressed; on a tie the first one; a single zero group is not compressed
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['fe80::1%eth0', 'fe80::1'],
    ['[fe80::1%25en0]', 'fe80::1'],
    ['[2001:db8::1]', '2001:db8::1'],
    ['::ffff:1.2.3.4', '1.2.3.4'],
    ['::FFFF:0102:0304', '1.2.3.4'],
    ['0:0:0:0:0:ffff:c000:0201', '192.0.2.1'],
  ])('%s → %s', (input, expected) => {
    expect(canonicalIp(input)).toBe(expected);
  });

  test.each(['', '   ', 'localhost', '1.2.3', '1.2.3.256', '010.1.1.1', '0x7f.0.0.1', '127.1', '1::2::3', '2001:db8::g', '12345::1', '1.2.3.4:80', '[::1]:80', '[]', 'a'.repeat(80)])(
    'invalid %j → null',
    (input) => {
      expect(canonicalIp(input)).toBeNull();
    },
  );

  test('null and undefined → null', () => {
    expect(canonicalIp(null)).toBeNull();
    expect(canonicalIp(undefined)).toBeNull();
  });

  test('canonical form is a fixed point', () => {
    for (const ip of ['2001:db8::1', '::', '::1', '1.2.3.4', 'fdfd:ace:ace:5::6']) expect(canonicalIp(canonicalIp(ip))).toBe(ip);
  });
});

describe('splitHostPort', () => {
  test.each([
    ['1.2.3.4:80', { ip: '1.2.3.4', port: 80 }],
    ['1.2.3.4', { ip: '1.2.3.4', port: null }],
    ['[2001:db8::1]:443', { ip: '2001:db8::1', port: 443 }],
    ['[2001:0db8:0000:0000:0000:0000:0000:0001]:443', { ip: '2001:db8::1', port: 443 }],
    ['[::1]', { ip: '::1', port: null }],
    // the last colon separates the port when the part before it is an address
    ['::1:37752', { ip: '::1', port: 37752 }],
    ['2001:db8::1', { ip: '2001:db8::1', port: null }],
    ['::ffff:10.0.0.1:8080', { ip: '10.0.0.1', port: 8080 }],
    [' 10.0.0.1:0 ', { ip: '10.0.0.1', port: 0 }],
    ['1.2.3.4:65536', { ip: '1.2.3.4', port: null }],
    ['1.2.3.4:', { ip: '1.2.3.4', port: null }],
    ['host.example:80', { ip: null, port: 80 }],
    ['garbage', { ip: null, port: null }],
    ['', { ip: null, port: null }],
  ])('%j', (input, expected) => {
    expect(splitHostPort(input)).toEqual(expected);
  });

  test('a bare IPv6 address that ends in a hex group is taken whole, not split (inherent ambiguity)', () => {
    expect(splitHostPort('::1:8080')).toEqual({ ip: '::1:8080', port: null });
  });
});

describe('parsePort', () => {
  test.each([
    [80, 80],
    ['443', 443],
    [' 22 ', 22],
    [0, 0],
    [65535, 65535],
    [65536, null],
    [-1, null],
    [1.5, null],
    ['8o', null],
    ['', null],
    [null, null],
    [undefined, null],
  ])('%j → %j', (input, expected) => {
    expect(parsePort(input)).toBe(expected);
  });
});
