import { SeverityId } from '../../contracts/alert';
import { canonicalIp, parsePort, transportName } from '../ip';
import { AlertParser, ok, reject, skip } from '../parser';
import { fromTenScale, fromWord } from '../severity';
import { parseEpoch, parseIsoLike, receivedTime, type TimeResult } from '../time';
import { asRecord, str, tryJson } from './json-util';

/**
 * A field by its ECS dotted name, whether the document writes it flat ("source.ip": ...), nested
 * ({"source": {"ip": ...}}) or mixed ({"source": {"geo.country": ...}}). Own properties only.
 */
export function ecsField(obj: Record<string, unknown> | null, path: string, depth = 0): unknown {
  if (!obj || depth > 8) return undefined;
  if (Object.prototype.hasOwnProperty.call(obj, path)) return obj[path];
  let i = path.indexOf('.');
  while (i > 0) {
    const head = path.slice(0, i);
    if (Object.prototype.hasOwnProperty.call(obj, head)) {
      const v = ecsField(asRecord(obj[head]), path.slice(i + 1), depth + 1);
      if (v !== undefined) return v;
    }
    i = path.indexOf('.', i + 1);
  }
  return undefined;
}

const ALLOWED = new Set(['allowed', 'allow', 'pass', 'passed', 'permit', 'permitted', 'accept', 'accepted']);
const BLOCKED = new Set(['blocked', 'block', 'deny', 'denied', 'drop', 'dropped', 'reject', 'rejected', 'reset', 'prevented', 'prevent', 'quarantined']);

/** `event.action` words first; failing that, ECS `event.type` values "allowed"/"denied". */
function actionValue(action: string | null, eventType: unknown): 'allowed' | 'blocked' | 'unknown' {
  const a = action?.trim().toLowerCase();
  if (a && ALLOWED.has(a)) return 'allowed';
  if (a && BLOCKED.has(a)) return 'blocked';
  const types = Array.isArray(eventType) ? eventType : [eventType];
  if (types.includes('denied')) return 'blocked';
  if (types.includes('allowed')) return 'allowed';
  return 'unknown';
}

/** An explicit OCSF `severity_id` (0–6) when valid, else null. */
function explicitSeverityId(v: unknown): number | null {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return SeverityId.safeParse(n).success ? n : null;
}

/** Event kinds that are never security findings. */
const NOT_ALERTS = new Set(['metric', 'state', 'pipeline_error', 'enrichment']);

/**
 * Already-normalized ECS JSON (Elastic Agent/Beats output, Logstash, other SIEMs). Dotted and nested
 * keys are both accepted. Severity: an explicit OCSF `severity_id`/`event.severity_id` wins; else
 * `event.severity` is read on the 0–10 scale (or a word like "high").
 */
export const ecsParser: AlertParser = {
  format: 'ecs',
  detect: (line) =>
    line.startsWith('{') &&
    line.includes('"@timestamp"') &&
    (line.includes('"source.ip"') || line.includes('"source"')) &&
    !line.includes('"event_type"'),
  parse(line, ctx) {
    const parsed = tryJson(line);
    if (!parsed.ok) return reject(parsed.error);
    const rec = asRecord(parsed.value);
    if (!rec) return reject('not a JSON object');
    const get = (path: string) => ecsField(rec, path);

    const kind = str(get('event.kind'));
    if (kind && NOT_ALERTS.has(kind.toLowerCase())) return skip(`event.kind ${kind} is not an alert`);

    const srcRaw = get('source.ip') ?? get('source.address');
    if (srcRaw === undefined || srcRaw === null) return reject('field source.ip: missing');
    const src = canonicalIp(str(srcRaw));
    if (!src) return reject(`field source.ip: not an IP address (${JSON.stringify(srcRaw).slice(0, 64)})`);

    const tsRaw = get('@timestamp');
    let time: TimeResult | null;
    if (tsRaw === undefined || tsRaw === null) time = receivedTime(ctx.receivedAt);
    else {
      const ts = str(tsRaw);
      time = ts ? (parseIsoLike(ts, ctx.timezone) ?? parseEpoch(ts)) : null;
      if (!time) return reject(`field @timestamp: unreadable time ${JSON.stringify(tsRaw).slice(0, 48)}`);
    }

    const sevRaw = str(get('event.severity'));
    const explicit = explicitSeverityId(get('severity_id')) ?? explicitSeverityId(get('event.severity_id'));
    const severityId = explicit ?? (sevRaw != null ? fromTenScale(sevRaw) || fromWord(sevRaw) : 0);
    const severityRaw = sevRaw ?? (explicit != null ? String(explicit) : null);

    const action = str(get('event.action'));
    return ok({
      timestamp: time.iso,
      timezone_source: time.zone,
      observer: {
        vendor: str(get('observer.vendor')) ?? 'unknown',
        product: str(get('observer.product')) ?? str(get('event.module')) ?? 'unknown',
        name: str(get('observer.name')) ?? str(get('observer.hostname')) ?? str(get('host.name')),
      },
      source: { ip: src, port: parsePort(get('source.port')) },
      destination: { ip: canonicalIp(str(get('destination.ip')) ?? str(get('destination.address'))), port: parsePort(get('destination.port')) },
      transport: transportName(str(get('network.transport'))),
      rule: {
        id: str(get('rule.id')) ?? str(get('rule.uuid')),
        name: str(get('rule.name')),
        category: str(get('rule.category')),
      },
      action: { value: actionValue(action, get('event.type')), raw: action },
      severity: { id: severityId, raw: severityRaw },
      format: 'ecs',
    });
  },
};
