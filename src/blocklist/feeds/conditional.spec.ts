import { acceptsGzip, etagMatches, isNotModified } from './conditional';

describe('conditional requests', () => {
  const lm = Date.parse('2026-03-01T10:00:00.700Z');

  it('If-None-Match: weak comparison, lists and *', () => {
    expect(etagMatches('"abc"', ['"abc"', '"abc-gz"'])).toBe(true);
    expect(etagMatches('W/"abc-gz"', ['"abc"', '"abc-gz"'])).toBe(true);
    expect(etagMatches('"x", "abc"', ['"abc"'])).toBe(true);
    expect(etagMatches('*', ['"abc"'])).toBe(true);
    expect(etagMatches('"abd"', ['"abc"'])).toBe(false);
    expect(etagMatches('abc', ['"abc"'])).toBe(false);
  });

  it('If-Modified-Since compares whole seconds; If-None-Match wins when both are sent', () => {
    expect(isNotModified({ 'if-modified-since': new Date(lm).toUTCString() }, ['"a"'], lm)).toBe(true);
    expect(isNotModified({ 'if-modified-since': new Date(lm - 1000).toUTCString() }, ['"a"'], lm)).toBe(false);
    expect(isNotModified({ 'if-modified-since': 'garbage' }, ['"a"'], lm)).toBe(false);
    expect(isNotModified({ 'if-none-match': '"b"', 'if-modified-since': new Date(lm + 60_000).toUTCString() }, ['"a"'], lm)).toBe(false);
    expect(isNotModified({}, ['"a"'], lm)).toBe(false);
  });

  it('Accept-Encoding: gzip unless refused', () => {
    expect(acceptsGzip('gzip, deflate, br')).toBe(true);
    expect(acceptsGzip('deflate')).toBe(false);
    expect(acceptsGzip('gzip;q=0, deflate')).toBe(false);
    expect(acceptsGzip('*')).toBe(true);
    expect(acceptsGzip('*, gzip;q=0')).toBe(false);
    expect(acceptsGzip('x-gzip')).toBe(true);
    expect(acceptsGzip('identity')).toBe(false);
    expect(acceptsGzip(undefined)).toBe(false);
  });
});
