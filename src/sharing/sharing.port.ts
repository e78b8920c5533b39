import type { AuditActor } from '../audit/audit.schemas';

/**
 * The contract between a playbook `share` step (or an analyst) and the sharing service
 * (src/sharing/): publish an indicator from one jurisdiction to others. Trust policies on the
 * receiving side decide what happens there.
 */
export const SHARING = Symbol('SHARING');

export type Tlp = 'CLEAR' | 'GREEN' | 'AMBER' | 'AMBER+STRICT' | 'RED';

export interface ShareRequest {
  value: string;
  from: string;
  /** Jurisdiction ids, or the groups 'children' | 'parent' | 'siblings' | 'all'. */
  to: string[];
  tlp: Tlp;
  score: number;
  confidence: number;
  /** How long receivers should act on it (e.g. "24h"). */
  ttl: string;
  reason: string;
  evidence: { rules: Record<string, number>; firstSeen: string | null; lastSeen: string | null; alerts: number; jurisdictions: string[] };
  /** Skip targets below this confidence (a share step's `min_confidence`). */
  minConfidence?: number;
  origin: { playbookRun?: string; actor: AuditActor };
  idempotencyKey?: string;
  /**
   * The share this one forwards (a `shared.indicator` trigger's shareId). Optional: without it the
   * sender's inbox is searched for the value. Forwarding extends the chain and keeps the narrower TLP.
   */
  parentShareId?: string;
}

export interface ShareResult {
  shareId: string;
  /** Per target: delivered to its inbox, or why not (TLP:RED, cycle, below confidence...). */
  targets: Array<{ jurisdiction: string; delivered: boolean; reason?: string }>;
}

export interface SharingPort {
  share(req: ShareRequest): Promise<ShareResult>;
  /**
   * A playbook run started by `shared.indicator` for `shareId` blocked with this decision (made it,
   * or found it already in force): revoking the share ends it unless something else supports it.
   */
  linkDecision?(shareId: string, decision: { id: string; value: string; jurisdiction: string; expires: string }): Promise<void>;
}
