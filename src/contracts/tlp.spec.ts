import fc from 'fast-check';
import { TLP_ORDER, stricterTlp, tlpForbids, tlpWithin } from './tlp';

describe('TLP', () => {
  it('narrows and never widens, hop after hop', () => {
    const tlp = fc.constantFrom(...TLP_ORDER);
    fc.assert(
      fc.property(tlp, fc.array(tlp, { maxLength: 8 }), (start, asked) => {
        let level = start;
        for (const a of asked) {
          const next = stricterTlp(a, level);
          expect(TLP_ORDER.indexOf(next)).toBeGreaterThanOrEqual(TLP_ORDER.indexOf(level));
          level = next;
        }
      }),
    );
  });

  it('RED never leaves its origin; AMBER+STRICT is not forwarded', () => {
    expect(tlpForbids('RED', true)).toMatch(/never leaves/);
    expect(tlpForbids('RED', false)).toMatch(/never leaves/);
    expect(tlpForbids('AMBER+STRICT', true)).toBeNull();
    expect(tlpForbids('AMBER+STRICT', false)).toMatch(/may not be forwarded/);
    expect(tlpForbids('AMBER', false)).toBeNull();
  });

  it('an edge accepting AMBER takes CLEAR, GREEN, AMBER only', () => {
    expect(TLP_ORDER.filter((t) => tlpWithin(t, 'AMBER'))).toEqual(['CLEAR', 'GREEN', 'AMBER']);
  });
});
