import type { NormalizedAlert } from './alert';
import type { ApprovalDecided } from './approvals';

/**
 * Domain events, in-process (src/infra/events): a lower domain announces, higher domains listen,
 * so no domain calls up the dependency order (README, "Layout"). Durable work a listener starts
 * goes through a queue job of its own (src/contracts/jobs.ts).
 */

/** New alerts were stored (duplicates already dropped), one ingest chunk at a time. */
export interface AlertsStored {
  alerts: NormalizedAlert[];
  batchId: string;
  chunk: number;
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
}

export type EventMap = {
  'alerts.stored': AlertsStored;
  /** The same alerts after detection scored them (emitted even with detection off): playbooks' `trigger: { on: alert }` listens here. */
  'alerts.scored': AlertsStored;
  'decision.created': DecisionCreated;
  /** Emitted before the approval is marked reported: a listener that fails (its queue down) gets the event again from the timeout job. */
  'approval.decided': ApprovalDecided;
};

export type EventName = keyof EventMap;
