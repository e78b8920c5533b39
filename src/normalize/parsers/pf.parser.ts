import { canonicalIp, parsePort } from '../ip';
import { AlertParser, ok, reject, skip } from '../parser';
import { receivedTime } from '../time';

/**
 * pfSense / OPNsense `filterlog` CSV (the syslog header and `filterlog[pid]: ` tag are stripped by
 * the normalizer). Columns, 0-based:
 *
 *   common   0 rule-number, 1 sub-rule, 2 anchor, 3 tracker, 4 interface, 5 reason,
 *            6 action (pass|block|reject), 7 direction (in|out), 8 ip-version (4|6)
 *   IPv4     9 tos, 10 ecn, 11 ttl, 12 id, 13 offset, 14 flags, 15 proto-id, 16 proto-text,
 *            17 length, 18 src, 19 dst
 *   IPv6     9 class, 10 flow-label, 11 hop-limit, 12 proto-text, 13 proto-id,
 *            14 length, 15 src, 16 dst
 *   then for tcp/udp: srcport, dstport, datalen, (tcp only) flags, seq, ack, window, urg, options;
 *   other protocols (icmp, carp, ...) carry their own fields, which are not needed here.
 *
 * The tracker is a number on pfSense and may be a hex rule label on OPNsense. Fields are never
 * quoted (TCP options are joined with ';'), so a plain split on ',' is exact.
 * A blocked or rejected packet is an alert; a logged pass is skipped. The line has no time of its
 * own: the receive time stands in, and the normalizer replaces it with the syslog header's time.
 */

/** Common columns up to ip-version. Comma-delimited classes, so no backtracking blow-up. */
const HEAD = /^\d+,[^,]*,[^,]*,[0-9A-Fa-f]*,[^,]+,[a-z-]+,(?:pass|block|reject),(?:in|out),[46],/;

const LAYOUT = {
  '4': { protoText: 16, protoId: 15, src: 18, dst: 19, ports: 20 },
  '6': { protoText: 12, protoId: 13, src: 15, dst: 16, ports: 17 },
} as const;

export const pfParser: AlertParser = {
  format: 'pf',
  detect: (line) => HEAD.test(line),
  parse(line, ctx) {
    const f = line.trim().split(',');
    if (f.length < 9) return reject(`truncated: ${f.length} fields, expected at least 9`);
    const [ruleNumber, , , tracker, iface, , action, , version] = f;
    if (action === 'pass') return skip('pass rule: not an alert');
    if (action !== 'block' && action !== 'reject') return reject(`field action: unknown value ${JSON.stringify(action)}`);
    if (version !== '4' && version !== '6') return reject(`field ip-version: unknown value ${JSON.stringify(version)}`);
    const col = LAYOUT[version];
    if (f.length <= col.dst) return reject(`truncated: ${f.length} fields, IPv${version} row needs at least ${col.dst + 1}`);

    const src = canonicalIp(f[col.src]);
    if (!src) return reject(`field src: not an IP address (${JSON.stringify(f[col.src])})`);
    const transport = (f[col.protoText] || f[col.protoId] || '').toLowerCase() || null;
    const hasPorts = transport === 'tcp' || transport === 'udp' || f[col.protoId] === '6' || f[col.protoId] === '17';
    const time = receivedTime(ctx.receivedAt);

    return ok({
      timestamp: time.iso,
      timezone_source: time.zone,
      observer: { vendor: 'pf', product: 'filterlog', name: null },
      source: { ip: src, port: hasPorts ? parsePort(f[col.ports]) : null },
      destination: { ip: canonicalIp(f[col.dst]), port: hasPorts ? parsePort(f[col.ports + 1]) : null },
      transport,
      rule: { id: tracker || null, name: `pf rule ${ruleNumber} on ${iface}`, category: 'firewall' },
      action: { value: 'blocked', raw: action },
      severity: { id: 2, raw: null },
      format: 'pf',
    });
  },
};
