import path from 'node:path';
import { loadPaths, loadText, formatLoadError } from '../../playbooks/loader/loader';
import { conflictErrors } from './policies.service';
import { SharingPolicyKind, withKnownJurisdictions, type SharingPolicy } from './policy.schema';
import { documentKinds } from '../../playbooks/loader/kinds';
import { TrustPolicies, directionOf, type Hierarchy } from './trust';

documentKinds.register(SharingPolicyKind);

/** The sample hierarchy: klid → seoul → districts, klid → gyeonggi → cities. */
const PARENT: Record<string, string | null> = {
  klid: null,
  seoul: 'klid',
  'seoul-jongno': 'seoul',
  'seoul-gangnam': 'seoul',
  'seoul-mapo': 'seoul',
  gyeonggi: 'klid',
  'gyeonggi-suwon': 'gyeonggi',
  'gyeonggi-seongnam': 'gyeonggi',
};
const h: Hierarchy = {
  has: (id) => id in PARENT,
  parentOf: (id) => PARENT[id] ?? null,
  ancestors: (id) => {
    const out: string[] = [];
    for (let p = PARENT[id]; p; p = PARENT[p]) out.push(p);
    return out;
  },
};
const REVIEW = { timeoutMs: 86_400_000, onTimeout: 'deny' as const, quorum: 1 };
const known = new Set(Object.keys(PARENT));
const load = (yaml: string) => withKnownJurisdictions(known, () => loadText<SharingPolicy>(yaml, 'p.yaml', { kinds: ['SharingPolicy'] }));

describe('trust edges', () => {
  it('follows the hierarchy without policies: down auto-block, up review, across review, peer review', () => {
    const t = new TrustPolicies([], h, REVIEW);
    expect(directionOf(h, 'klid', 'seoul-jongno')).toBe('down');
    expect(t.edge('klid', 'seoul-jongno')).toMatchObject({ mode: 'auto-block', direction: 'down', rule: 'built-in defaults.down', minConfidence: 0, maxTlp: 'AMBER+STRICT', corroboration: null });
    expect(t.edge('seoul-jongno', 'seoul')).toMatchObject({ mode: 'review', direction: 'up' });
    expect(t.edge('seoul-jongno', 'klid')).toMatchObject({ mode: 'review', direction: 'up' });
    expect(t.edge('seoul-mapo', 'seoul-jongno')).toMatchObject({ mode: 'review', direction: 'across' });
    expect(t.edge('gyeonggi', 'seoul')).toMatchObject({ mode: 'review', direction: 'across' });
    expect(t.edge('peer:klid-hub', 'seoul')).toMatchObject({ mode: 'review', direction: 'peer' });
  });

  it('the sample policies load without errors and say what the docs say', () => {
    const res = withKnownJurisdictions(known, () => loadPaths<SharingPolicy>([path.resolve(__dirname, '../../../playbooks/sharing')], { kinds: ['SharingPolicy'] }));
    expect(res.errors.map(formatLoadError)).toEqual([]);
    expect(res.documents.map((d) => d.id).sort()).toEqual(['gyeonggi', 'klid', 'seoul']);
    const t = new TrustPolicies(res.documents.map((d) => d.value), h, REVIEW);
    // KLID's harmful IPs are blocked in Seoul's districts automatically, when confident enough.
    expect(t.edge('klid', 'seoul-jongno')).toMatchObject({ mode: 'auto-block', minConfidence: 60, rule: 'policy seoul trust[0]' });
    // Two sibling districts corroborate; one alone does nothing automatic.
    expect(t.edge('seoul-mapo', 'seoul-jongno')).toMatchObject({ mode: 'auto-block', corroboration: { k: 2, windowMs: 6 * 3_600_000 } });
    // Up for review.
    expect(t.edge('seoul-jongno', 'seoul')).toMatchObject({ mode: 'review', rule: 'policy seoul defaults.up', review: { timeoutMs: 2 * 3_600_000, onTimeout: 'deny', quorum: 1 } });
    // KLID: two provinces, k-of-n.
    expect(t.edge('seoul', 'klid')).toMatchObject({ mode: 'auto-block', corroboration: { k: 2 }, minConfidence: 70 });
    expect(t.edge('seoul-jongno', 'klid')).toMatchObject({ mode: 'review', rule: 'policy klid trust[1]' });
    // Gyeonggi: peers reviewed and GREEN at most.
    expect(t.edge('peer:anyone', 'gyeonggi-suwon')).toMatchObject({ mode: 'review', maxTlp: 'GREEN' });
    expect(t.edge('peer:klid-hub', 'seoul')).toMatchObject({ mode: 'auto-block', minConfidence: 60 });
  });

  it('first matching edge wins; groups are relative to the receiver; ignore is a mode', () => {
    const { documents, errors } = load(`
apiVersion: gwanje/v1
kind: SharingPolicy
id: p
jurisdiction: seoul-jongno
trust:
  - { from: seoul-mapo, mode: ignore }
  - { from: siblings, mode: auto-block, max_tlp: GREEN }
  - { from: ancestors, mode: review, min_confidence: 90 }
  - { from: peers, mode: ignore }
`);
    expect(errors).toEqual([]);
    const t = new TrustPolicies([documents[0].value], h, REVIEW);
    expect(t.edge('seoul-mapo', 'seoul-jongno').mode).toBe('ignore');
    expect(t.edge('seoul-gangnam', 'seoul-jongno')).toMatchObject({ mode: 'auto-block', maxTlp: 'GREEN', rule: 'policy p trust[1]' });
    expect(t.edge('klid', 'seoul-jongno')).toMatchObject({ mode: 'review', minConfidence: 90 });
    expect(t.edge('peer:x', 'seoul-jongno').mode).toBe('ignore');
    // Not named by the policy: the built-in defaults apply.
    expect(t.edge('klid', 'seoul-mapo').rule).toBe('built-in defaults.down');
  });

  it("'*' is the default policy of jurisdictions without their own", () => {
    const { documents } = load(`
apiVersion: gwanje/v1
kind: SharingPolicy
id: everyone
jurisdiction: '*'
defaults: { down: review, min_confidence: 30 }
`);
    const t = new TrustPolicies([documents[0].value], h, REVIEW);
    expect(t.edge('klid', 'gyeonggi-suwon')).toMatchObject({ mode: 'review', minConfidence: 30, rule: 'policy everyone defaults.down' });
  });

  it('reports mistakes at file:line:col', () => {
    const { errors } = load(`apiVersion: gwanje/v1
kind: SharingPolicy
id: bad
jurisdiction: seoul-nowhere
trust:
  - from: seoul-mapo
    mode: auto-blok
  - from: [seoul-mapo, seoul-gangnam]
    mode: review
    corroboration: { k: 3 }
`);
    const text = errors.map(formatLoadError);
    expect(text).toEqual(expect.arrayContaining([expect.stringMatching(/^p\.yaml:7:5 {2}trust\[0\]\.mode {2}.*auto-block/)]));
    const second = load(`apiVersion: gwanje/v1
kind: SharingPolicy
id: bad2
jurisdiction: seoul-nowhere
trust:
  - from: [seoul-mapo, seoul-gangnam]
    mode: review
    corroboration: { k: 3 }
`).errors.map(formatLoadError);
    expect(second).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^p\.yaml:4:1 {2}jurisdiction {2}jurisdiction seoul-nowhere is not declared/),
        expect.stringMatching(/^p\.yaml:8:5 {2}trust\[0\]\.corroboration {2}corroboration applies to auto-block edges only/),
        expect.stringMatching(/^p\.yaml:8:22 {2}trust\[0\]\.corroboration\.k {2}k=3 but only 2 sources/),
      ]),
    );
  });

  it('two policies may not govern the same jurisdiction', () => {
    const a = load(`apiVersion: gwanje/v1\nkind: SharingPolicy\nid: a\njurisdiction: seoul\n`).documents;
    const b = load(`apiVersion: gwanje/v1\nkind: SharingPolicy\nid: b\njurisdiction: [gyeonggi, seoul]\n`).documents;
    const { kept, errors } = conflictErrors([...a, ...b]);
    expect(kept.map((d) => d.id)).toEqual(['a']);
    expect(errors[0].message).toBe('jurisdiction seoul already has SharingPolicy a');
  });
});
