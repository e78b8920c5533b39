import { parseDuration } from '../../contracts/duration';
import { PermanentError } from '../engine/errors';

/** A duration the schema already checked, in ms. */
export function durationMs(text: string): number {
  const ms = parseDuration(text);
  if (ms === null) throw new PermanentError(`not a duration: ${JSON.stringify(text)}`);
  return ms;
}

const round = (x: unknown, dflt: number) => (typeof x === 'number' && Number.isFinite(x) ? Math.max(0, Math.min(100, Math.round(x))) : dflt);
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The trigger's threat (or shared indicator) variables: what decisions and shares describe. */
export function subjectOf(view: Record<string, unknown>): Record<string, unknown> {
  const v = view.threat ?? view.indicator;
  return isRecord(v) ? v : {};
}

/** The trigger's score and confidence (what decisions and shares carry). */
export function scoreOf(view: Record<string, unknown>): { score: number; confidence: number } {
  const v = subjectOf(view);
  const score = round(v.score, 50);
  return { score, confidence: round(v.confidence, score) };
}
