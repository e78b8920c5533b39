import { NormalizedAlert } from '../../contracts/alert';
import type { ParseResult, ParsedAlert } from '../parser';

/** Test helper: the result must be an alert that satisfies the schema once the envelope is stamped. */
export function expectAlert(r: ParseResult): ParsedAlert {
  if (r.kind !== 'alert') throw new Error(`expected an alert, got ${JSON.stringify(r)}`);
  const v = NormalizedAlert.safeParse({ ...r.alert, id: 'x', received: new Date().toISOString(), jurisdiction: 'j', original: 'l' });
  if (!v.success) throw new Error(`schema: ${JSON.stringify(v.error.issues)}`);
  return r.alert;
}

/** Test helper: the result must be a reject; returns its reason. */
export function expectReject(r: ParseResult): string {
  if (r.kind !== 'reject') throw new Error(`expected a reject, got ${JSON.stringify(r)}`);
  return r.error;
}
