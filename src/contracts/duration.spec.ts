import { formatDuration, goDuration, parseDuration } from './duration';

describe('durations', () => {
  it.each([
    ['1s', 1000],
    ['30m', 1_800_000],
    ['24h', 86_400_000],
    ['7d', 604_800_000],
    ['1h30m', 5_400_000],
    ['2w', 1_209_600_000],
    ['250ms', 250],
  ])('%s is %d ms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', '24', 'h', '1.5h', '-1h', '1 h', '24x', '1h-30m'])('%j is not a duration', (text) => expect(parseDuration(text)).toBeNull());

  it('prints remaining time as Go does (CrowdSec bouncers parse it with time.ParseDuration)', () => {
    expect(goDuration(3 * 3_600_000 + 59 * 60_000 + 50_000 + 400)).toBe('3h59m50s');
    expect(goDuration(5 * 60_000)).toBe('5m0s');
    expect(goDuration(42_000)).toBe('42s');
    expect(goDuration(2 * 86_400_000)).toBe('48h0m0s');
    expect(goDuration(-5000)).toBe('0s');
  });

  it('formats the shortest exact unit', () => {
    expect(formatDuration(86_400_000)).toBe('1d');
    expect(formatDuration(90_000)).toBe('90s');
    expect(formatDuration(1500)).toBe('1500ms');
  });
});
