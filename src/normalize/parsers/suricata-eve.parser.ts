import { canonicalIp, parsePort } from '../ip';
import { AlertParser, ok, reject, skip } from '../parser';
import { fromPriority } from '../severity';
import { parseEpoch, parseIsoLike, receivedTime } from '../time';
import { asRecord, str, tryJson } from './json-util';

/** Suricata EVE JSON (`event_type: "alert"`); other event types are skipped. */
export const suricataEveParser: AlertParser = {
  format: 'suricata-eve',
  detect: (line) => line.startsWith('{') && line.includes('"event_type"'),
  parse(line, ctx) {
    const parsed = tryJson(line);
    if (!parsed.ok) return reject(parsed.error);
    const rec = asRecord(parsed.value);
    if (!rec) return reject('not a JSON object');
    const eventType = str(rec.event_type);
    if (!eventType) return reject('missing field event_type');
    if (eventType !== 'alert') return skip(`event_type ${eventType} is not an alert`);
    const alert = asRecord(rec.alert);
    if (!alert) return reject('missing object alert');
    const src = canonicalIp(str(rec.src_ip));
    if (!src) return reject(`field src_ip: not an IP address (${JSON.stringify(rec.src_ip ?? null)})`);
    const tsText = str(rec.timestamp);
    const time = tsText ? (parseIsoLike(tsText, ctx.timezone) ?? parseEpoch(tsText)) : receivedTime(ctx.receivedAt);
    if (!time) return reject(`field timestamp: unreadable time ${JSON.stringify(tsText)}`);
    const sev = typeof alert.severity === 'number' ? alert.severity : Number(alert.severity);
    const action = str(alert.action);
    return ok({
      timestamp: time.iso,
      timezone_source: time.zone,
      observer: { vendor: 'OISF', product: 'Suricata', name: str(rec.host) ?? str(rec.in_iface) },
      source: { ip: src, port: parsePort(rec.src_port) },
      destination: { ip: canonicalIp(str(rec.dest_ip)), port: parsePort(rec.dest_port) },
      transport: str(rec.proto)?.toLowerCase() ?? null,
      rule: {
        id: str(alert.signature_id),
        name: str(alert.signature),
        category: str(alert.category),
      },
      action: { value: action === 'allowed' ? 'allowed' : action === 'blocked' ? 'blocked' : 'unknown', raw: action },
      severity: { id: fromPriority(Number.isFinite(sev) ? sev : null), raw: str(alert.severity) },
      format: 'suricata-eve',
    });
  },
};
