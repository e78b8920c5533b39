import type { AlertFormat, NormalizedAlert } from '../contracts/alert';

/** What a parser needs to know beyond the line itself. */
export interface ParseContext {
  jurisdiction: string;
  /** Receive time, ms since epoch; used for year inference and as fallback. */
  receivedAt: number;
  /** Zone for device-local times, as an offset like "+09:00" (KST by default). */
  timezone: string;
  /** Bound on `original`. */
  originalMaxBytes: number;
}

/**
 * A parser's verdict on one line. Non-alert records (EVE flow, FortiGate traffic) are
 * `skip`ped with a reason, never rejected; malformed lines are `reject`ed with a reason.
 */
export type ParseResult =
  | { kind: 'alert'; alert: ParsedAlert }
  | { kind: 'skip'; reason: string }
  | { kind: 'reject'; error: string };

/** An alert before the envelope fields (id, received, jurisdiction, original) are stamped on. */
export type ParsedAlert = Omit<NormalizedAlert, 'id' | 'received' | 'jurisdiction' | 'original'>;

export interface AlertParser {
  /** A built-in AlertFormat, or a loaded LogFormat's id (src/formats). */
  readonly format: AlertFormat | (string & {});
  /** Cheap test used by `auto` detection; `program` is the syslog tag the header carried, if any. */
  detect(line: string, program?: string | null): boolean;
  /** Must never throw: every failure is a `reject` with a reason. */
  parse(line: string, ctx: ParseContext): ParseResult;
}

export const skip = (reason: string): ParseResult => ({ kind: 'skip', reason });
export const reject = (error: string): ParseResult => ({ kind: 'reject', error });
export const ok = (alert: ParsedAlert): ParseResult => ({ kind: 'alert', alert });
