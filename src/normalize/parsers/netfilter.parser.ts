import { canonicalIp, parsePort } from '../ip';
import { AlertParser, ok, reject } from '../parser';
import { receivedTime } from '../time';

/**
 * Linux netfilter (iptables/nftables/UFW) kernel LOG lines:
 *
 *   [19955416.516358] [UFW BLOCK] IN=ens2 OUT= MAC=.. SRC=62.34.17.168 DST=10.73.140.49 LEN=44 .. PROTO=TCP SPT=52220 DPT=80 ..
 *
 * The syslog header and the `kernel: ` tag are usually stripped by the normalizer already; a
 * leftover tag and the kernel uptime stamp are dropped here. Whatever text remains before `IN=`
 * is the rule's log prefix (`--log-prefix`, UFW's "[UFW BLOCK]"). The uptime stamp is not a
 * wall-clock time, so the receive time is used (the normalizer replaces it with the syslog
 * header's time when there is one).
 *
 * Fields are `KEY=value` words separated by single spaces, plus bare flags (SYN, DF). ICMP error
 * packets quote the offending packet in brackets (`[SRC=.. DST=.. SPT=..]`): reading stops there,
 * so the outer packet's fields win; of a repeated key (LEN) the first counts.
 */

/** First `IN=<iface> OUT=<iface>` (either may be empty); the log prefix ends where it starts. */
const IN_OUT = /IN=\S* OUT=\S*(?: |$)/;
const LEADER = /^(?:kernel:\s*)?(?:\[\s*\d+\.\d+\]\s*)?/;
const KEY_VALUE = /^([A-Z][A-Z0-9]*)=(.*)$/;
const BLOCKING = /BLOCK|DROP|REJECT|DENY/i;

export const netfilterParser: AlertParser = {
  format: 'netfilter',
  detect: (line) => IN_OUT.test(line) && /(?:^| )SRC=/.test(line),
  parse(line, ctx) {
    const inOut = IN_OUT.exec(line);
    if (!inOut) return reject('missing IN= OUT= fields: not a netfilter log line');
    const prefix = line.slice(0, inOut.index).replace(LEADER, '').trim() || null;

    const fields = new Map<string, string>();
    for (const word of line.slice(inOut.index).split(' ')) {
      if (word.startsWith('[')) break; // the quoted packet of an ICMP error
      const kv = KEY_VALUE.exec(word);
      if (kv && !fields.has(kv[1])) fields.set(kv[1], kv[2]);
    }

    const srcText = fields.get('SRC');
    if (srcText == null) return reject('field SRC: missing');
    const src = canonicalIp(srcText);
    if (!src) return reject(`field SRC: not an IP address (${JSON.stringify(srcText)})`);
    const time = receivedTime(ctx.receivedAt);
    const proto = fields.get('PROTO');

    return ok({
      timestamp: time.iso,
      timezone_source: time.zone,
      observer: { vendor: 'Linux', product: 'netfilter', name: null },
      source: { ip: src, port: parsePort(fields.get('SPT')) },
      destination: { ip: canonicalIp(fields.get('DST')), port: parsePort(fields.get('DPT')) },
      transport: proto ? proto.toLowerCase() : null,
      rule: { id: null, name: prefix, category: 'firewall' },
      action: { value: prefix && BLOCKING.test(prefix) ? 'blocked' : 'unknown', raw: prefix },
      severity: { id: 2, raw: null },
      format: 'netfilter',
    });
  },
};
