import type { ApprovalsService } from '../approvals/approvals.service';
import type { ApprovalRecord } from '../approvals/approvals.schemas';
import type { AuditService } from '../audit/audit.service';
import type { AllowlistAddedHook, AllowlistService } from '../blocklist/allowlist.service';
import type { DetectionFeatures, FeatureSnapshot } from '../detection/features';
import type { IpState } from '../detection/scoring/state';
import { GwanjeConfig } from '../infra/config/config.schema';
import { EventBus } from '../infra/events/event-bus';
import { JurisdictionsService } from '../jurisdictions/jurisdictions.service';
import type { Example } from './learning.schemas';
import { blockedValues, FALSE_POSITIVE, LearningService } from './learning.service';
import type { LearningStore } from './learning.store';

const T0 = Date.parse('2026-12-01T00:00:00Z');
const state: IpState = { first: T0, last: T0, n: 12, rateC: 1, rateT: T0, hi: 0, allowed: 12, blocked: 0, targets: 1, ports: 1, signatures: 1, addresses: 0, jurisdictions: { 'seoul-jongno': T0 }, rules: { 'brute-force': { at: T0, value: 12 } }, sigs: {}, flag: null, geo: { country: 'RU', asn: 208677, org: 'x' }, sets: { dt: '', dp: '', ds: '', da: '' } };

function setup() {
  const config = GwanjeConfig.parse({ jurisdictions: [{ id: 'klid', name: 'KLID' }, { id: 'seoul-jongno', name: 'Jongno', parent: 'klid' }] });
  const events = new EventBus();
  const stored = new Map<string, Example>();
  const store: Pick<LearningStore, 'addExample' | 'removeExample'> = {
    addExample: (e) => Promise.resolve(!stored.has(e.id) && !!stored.set(e.id, e)),
    removeExample: (_j, id) => Promise.resolve(void stored.delete(id)),
  };
  const snapshot = (ip: string, _j: string, at = T0): Promise<FeatureSnapshot> => Promise.resolve({ ip, at, jurisdiction: { state, scored: { score: 35, raw: 35, scoredAt: at, contributions: [{ factor: 'rule:brute-force', points: 35, detail: 'x' }] } }, federation: null });
  const features: Pick<DetectionFeatures, 'snapshot'> = { snapshot };
  const approval = { id: 'ap1', change: { steps: [{ step: 'b', action: 'block', value: '45.155.205.7' }, { step: 'n', action: 'notify', url: 'x' }] }, votes: [{ vote: 'approve', by: { keyId: 'k1', role: 'analyst', jurisdiction: 'seoul-jongno' }, comment: null, at: '' }], decided: new Date(T0).toISOString() } as Partial<ApprovalRecord>;
  const approvals: Pick<ApprovalsService, 'get'> = { get: () => Promise.resolve(approval as ApprovalRecord) };
  let added: AllowlistAddedHook | null = null;
  const allowlist: Pick<AllowlistService, 'onAdded'> = { onAdded: (h) => void (added = h) };
  const audit: Pick<AuditService, 'record'> = { record: () => Promise.resolve({ seq: 1, hash: '' }) };
  const s = new LearningService(config, store as LearningStore, features as DetectionFeatures, new JurisdictionsService(config), audit as AuditService, events, approvals as ApprovalsService, allowlist as AllowlistService);
  s.onModuleInit();
  return { events, stored, allowlist: () => added!, s };
}

describe('verdicts become labels', () => {
  it('a manual block is a threat label with the features the scorer saw; a playbook block is none', async () => {
    const { events, stored } = setup();
    await events.emit('decision.created', { id: '7', value: '45.155.205.7', scope: 'ip', jurisdiction: 'seoul-jongno', expires: '', at: T0, origin: { type: 'manual', id: 'key1' }, tlp: 'GREEN' });
    await events.emit('decision.created', { id: '8', value: '45.155.205.8', scope: 'ip', jurisdiction: 'seoul-jongno', expires: '', at: T0, origin: { type: 'playbook', id: 'run1' } });
    expect([...stored.values()]).toEqual([
      expect.objectContaining({ id: 'manual-block:7', label: 'threat', tlp: 'GREEN', provenance: { kind: 'manual-block', event: 'decision.created', ref: '7', by: 'key1', at: new Date(T0).toISOString() }, context: expect.objectContaining({ rules: ['brute-force'], country: 'RU', asn: 208677 }) }),
    ]);
    expect(stored.get('manual-block:7')!.local).toMatchObject({ score: 35, features: { 'rule:brute-force': 1, foreign: 1, 'country:RU': 1, 'asn:208677': 1, allowed_share: 1 } });
  });

  it('an unblock as a false positive is a benign label that overrules the block; other unblocks are none', async () => {
    const { events, stored } = setup();
    await events.emit('decision.created', { id: '7', value: '45.155.205.7', scope: 'ip', jurisdiction: 'seoul-jongno', expires: '', at: T0, origin: { type: 'manual', id: 'key1' } });
    await events.emit('decision.ended', { id: '7', value: '45.155.205.7', scope: 'ip', jurisdiction: 'seoul-jongno', reason: '오탐 (partner scanner)', by: { type: 'key', id: 'k2' }, at: T0 + 1 });
    await events.emit('decision.ended', { id: '9', value: '45.155.205.9', scope: 'ip', jurisdiction: 'seoul-jongno', reason: 'expired early, done', by: { type: 'key', id: 'k2' }, at: T0 + 1 });
    expect([...stored.keys()]).toEqual(['unblock-false-positive:7']);
    expect(stored.get('unblock-false-positive:7')).toMatchObject({ label: 'benign', provenance: { by: 'key:k2' } });
    expect(['False Positive', 'false-positive', 'a falsepositive', '오탐'].every((r) => FALSE_POSITIVE.test(r))).toBe(true);
  });

  it('approvals of block changes: approved is threat, rejected benign, timed out nothing; a confirmed share is threat', async () => {
    const { events, stored } = setup();
    await events.emit('approval.decided', { kind: 'playbook-step', subject: { runId: 'r', stepId: 's' }, approvalId: 'ap1', jurisdiction: 'seoul-jongno', outcome: 'rejected', approved: false });
    await events.emit('approval.decided', { kind: 'playbook-step', subject: { runId: 'r', stepId: 's' }, approvalId: 'ap2', jurisdiction: 'seoul-jongno', outcome: 'timed-out', approved: false });
    await events.emit('approval.decided', { kind: 'share-review', subject: { shareId: 'sh', jurisdiction: 'seoul-jongno' }, approvalId: 'ap3', jurisdiction: 'seoul-jongno', outcome: 'approved', approved: true });
    expect([...stored.values()].map((e) => [e.id, e.label, e.provenance.by])).toEqual([
      ['approval:ap1:45.155.205.7', 'benign', 'key:k1'],
      ['share-confirmed:ap3:45.155.205.7', 'threat', 'key:k1'],
    ]);
    expect(blockedValues({ action: 'block', value: '1.2.3.4', shareId: 'x' })).toEqual(['1.2.3.4']);
    expect(blockedValues({ steps: [{ action: 'tag', value: '1.2.3.4' }] })).toEqual([]);
  });

  it('an allowlisted address is benign; a range is no example; a re-delivered verdict is stored once', async () => {
    const { stored, allowlist, s } = setup();
    const entry = { id: 'al1', value: '211.234.10.20', jurisdiction: 'seoul-jongno', reason: 'partner', created: new Date(T0).toISOString(), createdBy: 'k', expires: null };
    await allowlist()(entry, { type: 'key', id: 'k3' });
    await allowlist()({ ...entry, id: 'al2', value: '211.234.10.0/24' }, { type: 'key', id: 'k3' });
    expect([...stored.values()].map((e) => [e.id, e.label, e.value])).toEqual([['allowlist:al1', 'benign', '211.234.10.20']]);
    const v = { jurisdiction: 'seoul-jongno', value: '1.2.3.4', label: 'threat' as const, kind: 'manual-block' as const, event: 'decision.created', ref: '1', by: 'k', at: T0 };
    expect(await s.record(v)).toBe(true);
    expect(await s.record(v)).toBe(false);
    expect(await s.record({ ...v, jurisdiction: 'nowhere' })).toBe(false);
  });
});
