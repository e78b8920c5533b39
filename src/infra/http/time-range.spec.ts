import { pageInRange } from './time-range';

describe('pageInRange', () => {
  const page = { items: [{ t: '2026-01-01T10:00:00Z' }, { t: '2026-01-01T09:00:00Z' }, { t: '2026-01-01T08:00:00Z' }], next: 'c1' };
  const at = (i: { t: string }) => i.t;

  it('keeps since <= t < until and the cursor while older items may follow', () => {
    expect(pageInRange(page, at, { since: '2026-01-01T08:00:00Z', until: '2026-01-01T10:00:00Z' })).toEqual({ items: [page.items[1], page.items[2]], next: 'c1' });
  });
  it('drops the cursor once the page reached items older than since', () => {
    expect(pageInRange(page, at, { since: '2026-01-01T08:30:00+00:00' })).toEqual({ items: [page.items[0], page.items[1]], next: null });
  });
  it('returns the page untouched without a range, and works on pages without a cursor', () => {
    expect(pageInRange(page, at, {})).toBe(page);
    expect(pageInRange({ items: page.items }, at, { until: '2026-01-01T09:00:00Z' })).toEqual({ items: [page.items[2]] });
  });
});
