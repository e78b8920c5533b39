import fc from 'fast-check';
import { contains, overlaps, parseNet } from './net';

describe('parseNet: canonical addresses and networks', () => {
  it.each([
    ['203.0.113.5', '203.0.113.5', 4, 32],
    ['203.0.113.5/32', '203.0.113.5', 4, 32],
    ['203.0.113.7/24', '203.0.113.0/24', 4, 24],
    [' 10.1.2.3/8 ', '10.0.0.0/8', 4, 8],
    ['2001:0DB8:0000:0000:0000:0000:0000:0001', '2001:db8::1', 6, 128],
    ['2001:db8::1/128', '2001:db8::1', 6, 128],
    ['2001:db8:abcd:12:ffff::/48', '2001:db8:abcd::/48', 6, 48],
    ['2001:DB8:0:0:1:0:0:1', '2001:db8::1:0:0:1', 6, 128],
    ['::ffff:198.51.100.9', '198.51.100.9', 4, 32],
    ['::ffff:198.51.100.0/120', '198.51.100.0/24', 4, 24],
    ['0.0.0.0/0', '0.0.0.0/0', 4, 0],
    ['::/0', '::/0', 6, 0],
  ])('%s → %s', (input, text, family, prefix) => {
    expect(parseNet(input)).toMatchObject({ text, family, prefix, host: prefix === (family === 4 ? 32 : 128) });
  });

  it.each(['', 'x', '1.2.3', '01.2.3.4', '1.2.3.4/33', '2001:db8::/129', '1.2.3.4/-1', '1.2.3.4/8/8', '1.2.3.0-1.2.3.9', '1.2.3.4/255.0.0.0', 'fe80::1%eth0', '[::1]', '1.2.3.4 '.repeat(10)])(
    'refuses %j',
    (input) => expect(parseNet(input)).toBeNull(),
  );

  it('is idempotent: the canonical text parses to itself', () => {
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV6()), fc.integer({ min: 0, max: 128 }), (ip, p) => {
        const first = parseNet(`${ip}/${ip.includes(':') ? p : p % 33}`);
        if (!first) return true;
        expect(parseNet(first.text)?.text).toBe(first.text);
        return true;
      }),
    );
  });
});

describe('overlap and containment', () => {
  const n = (t: string) => parseNet(t)!;
  it('a network overlaps the addresses inside it and the networks around it', () => {
    expect(overlaps(n('203.0.113.0/24'), n('203.0.113.7'))).toBe(true);
    expect(overlaps(n('203.0.113.7'), n('203.0.113.0/24'))).toBe(true);
    expect(overlaps(n('203.0.113.0/25'), n('203.0.113.128/25'))).toBe(false);
    expect(overlaps(n('10.0.0.0/8'), n('10.200.0.0/16'))).toBe(true);
    expect(overlaps(n('2001:db8::/32'), n('2001:db8:ffff::1'))).toBe(true);
    expect(overlaps(n('2001:db8::/32'), n('2001:db9::1'))).toBe(false);
  });

  it('IPv4 and IPv6 never overlap, except mapped addresses, which are IPv4', () => {
    expect(overlaps(n('0.0.0.0/1'), n('::/1'))).toBe(false);
    expect(overlaps(n('198.51.100.0/24'), n('::ffff:198.51.100.1'))).toBe(true);
  });

  it('containment is directional', () => {
    expect(contains(n('203.0.113.0/24'), n('203.0.113.7'))).toBe(true);
    expect(contains(n('203.0.113.7'), n('203.0.113.0/24'))).toBe(false);
    expect(contains(n('2001:db8::/48'), n('2001:db8:0:1::/64'))).toBe(true);
  });
});
