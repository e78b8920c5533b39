import { GwanjeConfig } from '../infra/config/config.schema';
import { JurisdictionsService } from '../jurisdictions/jurisdictions.service';
import { EventBus } from '../infra/events/event-bus';
import type { AllowlistService } from './allowlist.service';
import { DecisionsService } from './decisions.service';

const H = 3_600_000;
function service(blocklist: Record<string, unknown> = {}) {
  const config = GwanjeConfig.parse({ jurisdictions: [{ id: 'klid', name: 'KLID' }], blocklist });
  // The policy checks below reach no store or audit: empty stand-ins (a call on one throws a TypeError).
  const unused = <T>() => ({}) as T;
  const allowlist: Pick<AllowlistService, 'onAdded'> = { onAdded: () => undefined };
  return new DecisionsService(unused(), allowlist as AllowlistService, unused(), new JurisdictionsService(config), unused(), config, new EventBus());
}

describe('decision policy', () => {
  it('refuses /0, prefixes shorter than the minimum and junk, naming the reason', () => {
    const s = service();
    expect(s.checkValue('0.0.0.0/0')).toMatchObject({ ok: false, code: 'prefix', refused: expect.stringContaining('/0 is never allowed') });
    expect(s.checkValue('::/0')).toMatchObject({ ok: false, code: 'prefix' });
    expect(s.checkValue('45.0.0.0/8')).toMatchObject({ ok: false, code: 'prefix', refused: '45.0.0.0/8 is wider than allowed: IPv4 prefixes shorter than /16 are refused (blocklist.minPrefix.v4)' });
    expect(s.checkValue('2a0d::/32')).toMatchObject({ ok: false, code: 'prefix', refused: expect.stringContaining('/48') });
    expect(s.checkValue('45.155.0.0/16')).toMatchObject({ ok: true, net: { text: '45.155.0.0/16' } });
    expect(s.checkValue('2a0d:5600:1::/48')).toMatchObject({ ok: true });
    expect(s.checkValue('banana')).toMatchObject({ ok: false, code: 'invalid', refused: 'banana is not an IP address or CIDR' });
    expect(service({ minPrefix: { v4: 24 } }).checkValue('45.155.0.0/16')).toMatchObject({ ok: false, code: 'prefix' });
  });

  it('escalates repeat offenders by factor^n, capped, never below the asked duration', () => {
    const s = service({ escalation: { factor: 2, max: '7d', lookback: '30d' } });
    expect(s.escalated(24 * H, 0, true)).toBe(24 * H);
    expect(s.escalated(24 * H, 1, true)).toBe(48 * H);
    expect(s.escalated(24 * H, 2, true)).toBe(96 * H);
    expect(s.escalated(24 * H, 5, true)).toBe(7 * 24 * H);
    expect(s.escalated(24 * H, 3, false)).toBe(24 * H);
    // A manual 30-day block of a repeat offender is not shortened to the escalation cap.
    expect(s.escalated(30 * 24 * H, 2, true)).toBe(30 * 24 * H);
    expect(service({ escalation: { factor: 3 } }).escalated(H, 2, true)).toBe(9 * H);
  });
});
