import type { NormalizedAlert } from './alert';
import type { ApprovalDecided } from './approvals';

/**
 * Domain events, in-process (src/infra/events): a lower domain announces, higher domains listen,
 * so no domain calls up the dependency order (README, "Layout"). Durable work a listener starts
 * goes through a queue job of its own (src/contracts/jobs.ts).
 */

/**
 * Alerts were stored (duplicates already dropped), one ingest chunk at a time. A retried chunk
 * announces again the alerts it stored on an earlier attempt (that attempt may have died before
 * they were scored); `chunkId` is the same on every attempt, so detection scores a chunk once.
 */
export interface AlertsStored {
  alerts: NormalizedAlert[];
  batchId: string;
  chunk: number;
  /** Stable across retries of the chunk (its queue job id); '' for alerts scored outside ingest. */
  chunkId: string;
}

/** A block decision came into force (not emitted when an equal one was already in force). */
export interface DecisionCreated {
  id: string;
  value: string;
  scope: 'ip' | 'range';
  jurisdiction: string;
  expires: string;
  /** When it was made (ms since the epoch). */
  at: number;
  /** Who made it: `manual` (an analyst's key or the CLI), `playbook`, `shared` (learning labels manual ones). */
  origin?: { type: 'playbook' | 'manual' | 'shared'; id: string };
  tlp?: string;
}

/** A block decision was lifted before it expired (unblock), with the reason the officer gave. */
export interface DecisionEnded {
  id: string;
  value: string;
  scope: 'ip' | 'range';
  jurisdiction: string;
  reason: string;
  /** The actor that lifted it (type and id, as in the audit trail). */
  by: { type: string; id: string };
  tlp?: string;
  at: number;
}

export type EventMap = {
  'alerts.stored': AlertsStored;
  /** The same alerts after detection scored them (emitted even with detection off): playbooks' `trigger: { on: alert }` listens here. */
  'alerts.scored': AlertsStored;
  'decision.created': DecisionCreated;
  'decision.ended': DecisionEnded;
  /** Emitted before the approval is marked reported: a listener that fails (its queue down) gets the event again from the timeout job. */
  'approval.decided': ApprovalDecided;
};

export type EventName = keyof EventMap;
