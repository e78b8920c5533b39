import type { Decision } from '../decisions.schemas';
import { parseNet } from '../../contracts/net';
import { TLP_MARKING_IDS } from '../../contracts/tlp';
import { cleanReason, csvCell, render, type RenderContext } from './renderers';
import type { FeedEntry } from './snapshot';
import { stixBundleProblems, stixPattern, uuidv5 } from './stix';

const decision = (over: Partial<Decision> = {}): Decision => ({
  id: '7',
  value: '45.155.205.7',
  scope: 'ip',
  jurisdiction: 'seoul-jongno',
  type: 'ban',
  created: '2026-03-01T00:00:00.000Z',
  expires: '2026-03-02T00:00:00.000Z',
  origin: { type: 'playbook', id: 'run-1' },
  reason: 'SSH brute force',
  score: 80,
  confidence: 70,
  tlp: 'AMBER',
  repeat: 0,
  ended: null,
  ...over,
});
const entry = (d: Decision): FeedEntry => ({ d, expiresMs: Date.parse(d.expires), endedMs: d.ended ? Date.parse(d.ended.at) : 0, memo: {} });
const ctx = (active: Decision[], revoked: Decision[] = [], over: Partial<RenderContext> = {}): RenderContext => ({
  jurisdiction: { id: 'seoul-jongno', name: '종로구' },
  active: active.map(entry),
  revoked: revoked.map(entry),
  reasonMaxChars: 120,
  comments: true,
  ...over,
});
const markings = Object.values(TLP_MARKING_IDS);

describe('feed renderers', () => {
  it('EDL: one entry per line with " # reason", no control characters, empty feed is empty', () => {
    const text = render('edl', ctx([decision(), decision({ id: '8', value: '2a0d:5600::/32', scope: 'range', reason: 'scan\r\nfrom\tX' })]));
    expect(text).toBe('45.155.205.7 # SSH brute force\n2a0d:5600::/32 # scan from X\n');
    expect(render('edl', ctx([decision()], [], { comments: false }))).toBe('45.155.205.7\n');
    expect(render('edl', ctx([]))).toBe('');
  });

  it('no reason can inject a line for consumers that split on NEL, VT, FF, U+001C–U+001E, U+2028/2029 or any C1 control', () => {
    // Python's str.splitlines() breaks on all of these; Java's and .NET's readers on some.
    const breakers = ['\n', '\r', '\u000b', '\u000c', '\u001c', '\u001d', '\u001e', '\u0085', '\u2028', '\u2029'];
    const c1 = Array.from({ length: 0x20 }, (_, i) => String.fromCharCode(0x80 + i));
    const hidden = ['\u202e', '\u2066', '\ufeff', '\u007f'];
    const splitAll = new RegExp(`[${[...breakers, ...c1].join('')}]`, 'u');
    for (const ch of [...breakers, ...c1, ...hidden]) {
      const reason = `brute${ch}203.0.113.99 # injected`;
      const clean = cleanReason(reason, 120);
      expect(clean).toBe('brute 203.0.113.99 # injected');
      const d = decision({ reason });
      for (const format of ['edl', 'csv'] as const) {
        const text = render(format, ctx([d]));
        const lines = text.split(splitAll).filter(Boolean);
        expect(lines).toHaveLength(format === 'csv' ? 2 : 1);
      }
    }
  });

  it('reasons are cut at the configured length', () => {
    expect(cleanReason('가'.repeat(10), 5)).toBe('가가가가…');
  });

  it('CSV: RFC 4180 quoting and formula injection defused', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('=HYPERLINK("x")')).toBe('"\'=HYPERLINK(""x"")"');
    const text = render('csv', ctx([decision({ origin: { type: 'shared', id: 'sh-1', chain: ['seoul', 'klid'] } })]));
    expect(text.split('\r\n')[0]).toBe('value,scope,expires,reason,origin,score,confidence,tlp,id');
    expect(text.split('\r\n')[1]).toBe('45.155.205.7,ip,2026-03-02T00:00:00.000Z,SSH brute force,shared:sh-1 via seoul>klid,80,70,AMBER,7');
  });

  it('JSON: value, expires, reason, origin, score', () => {
    const body = JSON.parse(render('json', ctx([decision()])));
    expect(body).toEqual({
      jurisdiction: 'seoul-jongno',
      count: 1,
      items: [{ id: '7', value: '45.155.205.7', scope: 'ip', created: '2026-03-01T00:00:00.000Z', expires: '2026-03-02T00:00:00.000Z', reason: 'SSH brute force', origin: { type: 'playbook', id: 'run-1' }, score: 80, confidence: 70, tlp: 'AMBER' }],
    });
  });

  it('STIX: a valid 2.1 bundle with deterministic ids, TLP markings and revoked indicators', () => {
    const ended = decision({ id: '9', value: '2a0d:5600::/32', scope: 'range', tlp: 'RED', ended: { at: '2026-03-01T06:00:00.000Z', by: { type: 'key', id: 'k1' }, reason: 'false positive' } });
    const text = render('stix', ctx([decision(), decision({ id: '8', value: '91.240.118.0/24', scope: 'range', tlp: 'CLEAR' })], [ended]));
    const bundle = JSON.parse(text);
    expect(stixBundleProblems(bundle, parseNet, markings)).toEqual([]);
    const [identity, clear, amber, red, a, b, c] = bundle.objects;
    expect(identity).toMatchObject({ type: 'identity', name: '종로구', identity_class: 'organization' });
    // The referenced TLP 2.0 marking definitions travel with the bundle, exactly as OASIS publishes them.
    expect([clear, amber, red].map((m) => [m.type, m.id, m.name])).toEqual([
      ['marking-definition', 'marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487', 'TLP:CLEAR'],
      ['marking-definition', 'marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421', 'TLP:AMBER'],
      ['marking-definition', 'marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1', 'TLP:RED'],
    ]);
    expect(red).toEqual({
      type: 'marking-definition',
      spec_version: '2.1',
      id: 'marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1',
      created: '2022-10-01T00:00:00.000Z',
      name: 'TLP:RED',
      extensions: { 'extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d': { extension_type: 'property-extension', tlp_2_0: 'red' } },
    });
    expect(a).toMatchObject({ type: 'indicator', pattern: "[ipv4-addr:value = '45.155.205.7']", valid_from: '2026-03-01T00:00:00.000Z', valid_until: '2026-03-02T00:00:00.000Z', confidence: 70, revoked: false, created_by_ref: identity.id, object_marking_refs: [TLP_MARKING_IDS.AMBER] });
    expect(b.pattern).toBe("[ipv4-addr:value = '91.240.118.0/24']");
    expect(c).toMatchObject({ pattern: "[ipv6-addr:value = '2a0d:5600::/32']", revoked: true, modified: '2026-03-01T06:00:00.000Z', object_marking_refs: ['marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1'] });
    // Rendering again (fresh memo) gives the same bytes: ids do not depend on when or where it runs.
    expect(render('stix', ctx([decision(), decision({ id: '8', value: '91.240.118.0/24', scope: 'range', tlp: 'CLEAR' })], [ended]))).toBe(text);
  });

  it('the validator catches what a broken bundle gets wrong', () => {
    const bad = { type: 'bundle', id: 'bundle--x', objects: [{ type: 'indicator', spec_version: '2.0', id: 'indicator--1', created: 'yesterday', modified: 'yesterday', pattern: "[ipv4-addr:value = '999.1.1.1']", pattern_type: 'stix', valid_from: '2026-01-01T00:00:00Z', valid_until: '2025-01-01T00:00:00Z', confidence: 101, object_marking_refs: ['marking-definition--nope'] }] };
    const problems = stixBundleProblems(bad, parseNet, markings).join('\n');
    for (const what of ['bundle: id', 'spec_version', 'is not indicator--<uuid>', 'created yesterday', 'pattern', 'valid_until must be after', 'confidence', 'marking']) expect(problems).toContain(what);
    const badMarking = { type: 'bundle', id: 'bundle--6d9e1a2f-0b3c-4d5e-8f70-1a2b3c4d5e6f', objects: [{ type: 'marking-definition', spec_version: '2.1', id: 'marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da', modified: '2022-10-01T00:00:00.000Z' }] };
    const markingProblems = stixBundleProblems(badMarking, parseNet, markings).join('\n');
    for (const what of ['created is required', 'has no modified', 'needs definition_type and definition, or extensions', 'is not a TLP 2.0 marking definition']) expect(markingProblems).toContain(what);
  });

  it('uuidv5 matches the RFC 4122 example and patterns follow the address family', () => {
    expect(uuidv5('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'www.example.com')).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
    expect(stixPattern('2001:db8::1')).toBe("[ipv6-addr:value = '2001:db8::1']");
  });
});
