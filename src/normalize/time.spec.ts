import { fromParts, monthIndex, parseEpoch, parseIsoLike, parseOffset, receivedTime, UtcOffset, withInferredYear } from './time';

describe('UtcOffset (configured zones and ?timezone=)', () => {
  test.each(['+09:00', '-12:00', '+14:00', '+05:45', '-00:00', '+14:59'])('%j is accepted', (text) => {
    expect(UtcOffset.safeParse(text).success).toBe(true);
  });

  // +99:99 used to pass the pattern and then read as KST, the readers' fallback.
  test.each(['+99:99', '+15:00', '-09:60', '+09:99', '9:00', '+0900', 'KST'])('%j is refused', (text) => {
    expect(UtcOffset.safeParse(text).success).toBe(false);
  });
});

describe('parseOffset', () => {
  test.each([
    ['+0000', 0],
    ['-0000', 0],
    ['+09:00', 540],
    ['+0900', 540],
    ['-0800', -480],
    ['-08', -480],
    ['+5:30', 330],
    ['UTC+5:30', 330],
    ['UTC-03:30', -210],
    ['GMT+9', 540],
    ['UTC', 0],
    ['Z', 0],
    ['z', 0],
    [' +09:00 ', 540],
  ])('%j → %d minutes', (text, minutes) => {
    expect(parseOffset(text)! + 0).toBe(minutes); // + 0: "-0000" may give -0
  });

  test.each(['+15:00', '+09:60', 'KST', '09:00', '+9:0', '++09', 'abc'])('%j → null', (text) => {
    expect(parseOffset(text)).toBeNull();
  });

  test('null/undefined → null', () => {
    expect(parseOffset(null)).toBeNull();
    expect(parseOffset(undefined)).toBeNull();
  });
});

describe('parseIsoLike', () => {
  test('Suricata "+0000" offset without a colon', () => {
    expect(parseIsoLike('2022-07-12T06:22:33.415742+0000', '+09:00')).toEqual({ iso: '2022-07-12T06:22:33.415Z', zone: 'explicit' });
  });

  test('"-0000" and "Z"', () => {
    expect(parseIsoLike('2022-07-12T05:52:18.378379-0000', '+09:00')?.iso).toBe('2022-07-12T05:52:18.378Z');
    expect(parseIsoLike('2022-07-12T05:52:18Z', '+09:00')).toEqual({ iso: '2022-07-12T05:52:18.000Z', zone: 'explicit' });
  });

  test('"+09:00" offset', () => {
    expect(parseIsoLike('2024-01-01T10:00:00+09:00', '+00:00')).toEqual({ iso: '2024-01-01T01:00:00.000Z', zone: 'explicit' });
    expect(parseIsoLike('2024-01-01T01:00:00.5-08:00', '+09:00')?.iso).toBe('2024-01-01T09:00:00.500Z');
  });

  test('microseconds are truncated, not rounded', () => {
    expect(parseIsoLike('2022-07-12T06:22:33.999999+0000', 'Z')?.iso).toBe('2022-07-12T06:22:33.999Z');
    expect(parseIsoLike('2022-07-12T23:59:59.9999999Z', 'Z')?.iso).toBe('2022-07-12T23:59:59.999Z');
    expect(parseIsoLike('2022-07-12T06:22:33.4Z', 'Z')?.iso).toBe('2022-07-12T06:22:33.400Z');
    expect(parseIsoLike('2022-07-12T06:22:33.04Z', 'Z')?.iso).toBe('2022-07-12T06:22:33.040Z');
  });

  test('no offset: the configured zone applies', () => {
    expect(parseIsoLike('2024-01-01 10:00:00', '+09:00')).toEqual({ iso: '2024-01-01T01:00:00.000Z', zone: 'configured' });
    expect(parseIsoLike('2024-10-14 13:46:40', 'UTC+5:30')).toEqual({ iso: '2024-10-14T08:16:40.000Z', zone: 'configured' });
    expect(parseIsoLike('2024-10-14 13:46:40', '-0700')?.iso).toBe('2024-10-14T20:46:40.000Z');
  });

  test('an unreadable configured zone gives null rather than a wrong time', () => {
    expect(parseIsoLike('2024-01-01 10:00:00', 'Asia/Seoul')).toBeNull();
  });

  test.each([
    '2024-02-31T00:00:00Z', // 31 Feb
    '2023-02-29T00:00:00Z', // not a leap year
    '2024-04-31T00:00:00Z',
    '2024-13-01T00:00:00Z',
    '2024-00-10T00:00:00Z',
    '2024-01-01T24:00:00Z',
    '2024-01-01T10:60:00Z',
    '2024-01-01T10:00:00+15:00',
    '2024-01-01',
    'yesterday',
    '',
  ])('%j → null', (text) => {
    expect(parseIsoLike(text, '+09:00')).toBeNull();
  });

  test('29 Feb of a leap year is fine', () => {
    expect(parseIsoLike('2024-02-29T12:00:00Z', 'Z')?.iso).toBe('2024-02-29T12:00:00.000Z');
  });
});

describe('fromParts', () => {
  test('31 Feb and friends → null', () => {
    expect(fromParts(2024, 1, 31, 0, 0, 0, 0, 0)).toBeNull();
    expect(fromParts(2024, 1, 30, 0, 0, 0, 0, 0)).toBeNull();
    expect(fromParts(2024, 5, 31, 0, 0, 0, 0, 0)).toBeNull();
    expect(fromParts(2024, 12, 1, 0, 0, 0, 0, 0)).toBeNull();
    expect(fromParts(2024, 0, 0, 0, 0, 0, 0, 0)).toBeNull();
  });

  test('offset is minutes east of UTC', () => {
    expect(fromParts(2024, 0, 1, 9, 0, 0, 0, 540)).toBe(Date.UTC(2024, 0, 1, 0, 0, 0));
    expect(fromParts(2024, 0, 1, 0, 0, 0, 0, -480)).toBe(Date.UTC(2024, 0, 1, 8, 0, 0));
  });
});

describe('parseEpoch', () => {
  const iso = (v: string | number) => parseEpoch(v)?.iso;

  test('seconds, milliseconds, microseconds, nanoseconds told apart by magnitude', () => {
    expect(iso('1728938800')).toBe('2024-10-14T20:46:40.000Z');
    expect(iso(1728938800)).toBe('2024-10-14T20:46:40.000Z');
    expect(iso('1728938800841')).toBe('2024-10-14T20:46:40.841Z');
    expect(iso(1728938800841)).toBe('2024-10-14T20:46:40.841Z');
    expect(iso('1728938800841267')).toBe('2024-10-14T20:46:40.841Z');
    expect(iso('1728938800841267391')).toBe('2024-10-14T20:46:40.841Z');
  });

  test('a nanosecond value above 2^53 is exact to the millisecond (no float rounding)', () => {
    const ns = '1728938800002999999';
    expect(BigInt(ns) > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
    // Going through Number would round up into the next millisecond.
    expect(new Date(Math.floor(Number(ns) / 1e6)).toISOString()).toBe('2024-10-14T20:46:40.003Z');
    expect(iso(ns)).toBe('2024-10-14T20:46:40.002Z');
  });

  test('fractional seconds are truncated', () => {
    expect(iso('1728938800.8419')).toBe('2024-10-14T20:46:40.841Z');
    expect(iso('1728938800.9999999')).toBe('2024-10-14T20:46:40.999Z');
  });

  test('the zone of an epoch is always explicit', () => {
    expect(parseEpoch('1728938800')?.zone).toBe('explicit');
  });

  test.each(['', 'abc', '12345', '-1728938800', '1728938800x', '1.7e9', '17289388008412673910'])('%j → null', (v) => {
    expect(parseEpoch(v)).toBeNull();
  });
});

describe('withInferredYear', () => {
  const kst = '+09:00';

  test('a line from just before New Year received just after it belongs to the old year', () => {
    // received 2025-01-01 00:00:30 KST
    const receivedAt = Date.parse('2024-12-31T15:00:30Z');
    expect(withInferredYear(11, 31, 23, 59, 50, 0, { receivedAt, timezone: kst })).toEqual({ iso: '2024-12-31T14:59:50.000Z', zone: 'configured' });
  });

  test('a line from just after New Year received just before it (sender clock ahead) belongs to the new year', () => {
    // received 2024-12-31 23:59:50 KST
    const receivedAt = Date.parse('2024-12-31T14:59:50Z');
    expect(withInferredYear(0, 1, 0, 0, 10, 0, { receivedAt, timezone: kst })?.iso).toBe('2024-12-31T15:00:10.000Z');
  });

  test('the year is taken in the configured zone, not in UTC', () => {
    // 2025-01-01 05:00 KST is still 2024 in UTC; "Jan 1 04:00" KST is 2025.
    const receivedAt = Date.parse('2024-12-31T20:00:00Z');
    expect(withInferredYear(0, 1, 4, 0, 0, 0, { receivedAt, timezone: kst })?.iso).toBe('2024-12-31T19:00:00.000Z');
  });

  test('mid-year: the current year', () => {
    const receivedAt = Date.parse('2025-09-30T01:10:00Z');
    expect(withInferredYear(8, 30, 10, 9, 23, 123, { receivedAt, timezone: kst })?.iso).toBe('2025-09-30T01:09:23.123Z');
  });

  test('31 Feb → null', () => {
    expect(withInferredYear(1, 31, 0, 0, 0, 0, { receivedAt: Date.parse('2025-02-01T00:00:00Z'), timezone: kst })).toBeNull();
  });

  test('an unreadable zone falls back to KST', () => {
    const receivedAt = Date.parse('2025-09-30T01:10:00Z');
    expect(withInferredYear(8, 30, 10, 9, 23, 0, { receivedAt, timezone: 'nonsense' })?.iso).toBe('2025-09-30T01:09:23.000Z');
  });
});

describe('monthIndex and receivedTime', () => {
  test('month names', () => {
    expect(monthIndex('Jan')).toBe(0);
    expect(monthIndex('sep')).toBe(8);
    expect(monthIndex('December')).toBe(11);
    expect(monthIndex('Foo')).toBeUndefined();
  });

  test('receivedTime', () => {
    expect(receivedTime(Date.parse('2025-01-02T03:04:05.678Z'))).toEqual({ iso: '2025-01-02T03:04:05.678Z', zone: 'received' });
  });
});
