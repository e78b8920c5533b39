import { DetectionRule } from '../detection/rules/rule.schema';
import { parseWindow } from '../overview/overview.schemas';
import { durationText, formatDuration, goDuration, parseDuration } from './duration';

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

  it('one dialect everywhere: config, detection windows, trust policies and the overview take the same text', () => {
    const d = durationText('expected a duration');
    for (const t of ['250ms', '30s', '1h30m', '2w']) expect(d.safeParse(t).success).toBe(true);
    for (const t of ['1 day', '1.5h', '']) expect(d.safeParse(t).success).toBe(false);
    expect(d.safeParse('1 day').error?.issues[0].message).toBe('expected a duration');
    // Detection windows were single-unit only; a combined window now reads as elsewhere, and the 7d bound is on the time itself.
    const rule = (window: string) => DetectionRule.safeParse({ apiVersion: 'gwanje/v1', kind: 'DetectionRule', id: 'r', name: 'r', match: { severity: 3 }, correlate: { event_count: 5, window }, points: 10 });
    expect(rule('1h30m').success).toBe(true);
    expect(rule('2w').success).toBe(false);
    expect(rule('168h').success).toBe(true);
    expect(rule('169h').success).toBe(false);
    expect(parseWindow('1h30m')).toBe(5_400_000);
    expect(parseWindow('90s')).toBeNull();
  });
});
