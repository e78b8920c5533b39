import { splitAddrPort, splitHostPort } from '../ip';
import { AlertParser, ok, reject, skip } from '../parser';
import { fromPriority } from '../severity';
import { receivedTime } from '../time';
import { hasPorts, parseSnortTime, snortAction, snortTransport } from './snort-json.parser';

const RULE_REF = /^\[(\d+):(\d+):(\d+)\]/;

/** The bracketed value after `label` (e.g. "[Priority: ") within [from, to), or null. */
function bracketValue(text: string, label: string, from: number, to: number): string | null {
  const i = text.indexOf(label, from);
  if (i < 0 || i >= to) return null;
  const end = text.indexOf(']', i + label.length);
  if (end < 0 || end > to) return null;
  return text.slice(i + label.length, end).trim();
}

/**
 * Snort `alert_fast` and Suricata `fast.log`:
 *   `05/30-19:09:28.472094  [**] [1:2012811:2] msg [**] [Classification: x] [Priority: 2] {UDP} a:port -> b:port`
 * Suricata writes the year (`07/11/2022-...`) and may put `[Drop] `/`[wDrop] ` before the first `[**]`.
 * Also accepts the alert_syslog body (no time, no `[**]`) left after a syslog header was stripped;
 * its time then comes from that header. Times are device-local: the configured zone applies.
 */
export const snortFastParser: AlertParser = {
  format: 'snort-fast',
  detect: (line) =>
    (/^\d{2}\/\d{2}(?:\/\d{2,4})?-\d{2}:\d{2}:\d{2}/.test(line) && line.includes('[**]')) ||
    (/^(?:\[w?Drop\] )?\[\d+:\d+:\d+\] /i.test(line) && line.includes(' -> ') && line.includes('{')),
  parse(line, ctx) {
    const text = line.trim();
    let pos = 0;
    let time = receivedTime(ctx.receivedAt);
    let suricata = false;
    if (/^\d/.test(text)) {
      const t = parseSnortTime(text, ctx);
      if (!t) return reject(`field timestamp: unreadable time ${JSON.stringify(text.slice(0, 28))}`);
      if (!t.time) return reject(`field timestamp: impossible date ${JSON.stringify(text.slice(0, t.length))}`);
      time = t.time;
      suricata = t.fullYear;
      pos = t.length;
    } else if (!text.startsWith('[')) {
      return reject('field timestamp: line does not start with a Snort/Suricata time');
    }

    // Optional action ("[Drop]", "[wDrop]", Snort 3 "[drop]"), then an optional "[**]".
    while (text[pos] === ' ') pos++;
    let actionRaw: string | null = null;
    if (text[pos] === '[' && !text.startsWith('[**]', pos) && !RULE_REF.test(text.slice(pos, pos + 40))) {
      const end = text.indexOf(']', pos);
      if (end < 0 || end - pos > 24) return reject('field action: unterminated bracket before the rule reference');
      actionRaw = text.slice(pos + 1, end);
      pos = end + 1;
      while (text[pos] === ' ') pos++;
    }
    if (text.startsWith('[**]', pos)) pos += 4;
    while (text[pos] === ' ') pos++;

    const ref = RULE_REF.exec(text.slice(pos, pos + 40));
    if (!ref) return reject(`field rule: expected [gid:sid:rev] at column ${pos + 1}`);
    pos += ref[0].length;

    // The {PROTO} block sits right before the addresses: the last " {" of the line.
    const brace = text.lastIndexOf('{');
    const braceEnd = brace >= 0 ? text.indexOf('}', brace) : -1;
    if (brace < pos || braceEnd < 0) {
      if (text.includes('[Raw pkt:')) return skip('decoder event without IP addresses');
      return reject('field proto: missing {PROTO} block (truncated line?)');
    }

    // Message: up to the closing "[**]", or (syslog form) the first bracketed header field.
    let msgEnd = text.indexOf(' [**]', pos);
    if (msgEnd < 0 || msgEnd > brace) {
      msgEnd = brace;
      for (const label of [' [Classification: ', ' [Priority: ']) {
        const i = text.indexOf(label, pos);
        if (i >= 0 && i < msgEnd) msgEnd = i;
      }
    }
    let msg = text.slice(pos, msgEnd).trim();
    let iface: string | null = null;
    if (msg.startsWith('<')) {
      const close = msg.indexOf('>');
      if (close > 0) {
        iface = msg.slice(1, close).trim() || null;
        msg = msg.slice(close + 1).trim();
      }
    }
    if (msg.length >= 2 && msg.startsWith('"') && msg.endsWith('"')) msg = msg.slice(1, -1); // Snort 3 quotes it

    const classification = bracketValue(text, '[Classification: ', msgEnd, brace);
    const prioText = bracketValue(text, '[Priority: ', msgEnd, brace);
    const prio = prioText != null && /^\d+$/.test(prioText) ? Number(prioText) : null;

    const protoRaw = text.slice(brace + 1, braceEnd).trim();
    const transport = snortTransport(protoRaw);
    const ends = text.slice(braceEnd + 1).trim();
    const arrow = ends.indexOf(' -> ');
    if (arrow < 0) return reject('field destination: missing "a -> b" addresses (truncated line?)');
    const srcText = ends.slice(0, arrow).trim();
    const dstText = ends.slice(arrow + 4).trim();
    // Suricata always writes a port (ICMP type/code in its place); Snort only for TCP/UDP.
    const portsWritten = suricata || hasPorts(transport);
    const split = (t: string) => {
      const r = portsWritten ? splitAddrPort(t) : splitHostPort(t);
      return { ip: r.ip, port: hasPorts(transport) ? r.port : null };
    };
    const src = split(srcText);
    if (!src.ip) return reject(`field source: not an IP address (${JSON.stringify(srcText.slice(0, 64))})`);
    const dst = split(dstText);
    if (!dst.ip) return reject(`field destination: not an IP address (${JSON.stringify(dstText.slice(0, 64))})`);

    return ok({
      timestamp: time.iso,
      timezone_source: time.zone,
      observer: suricata ? { vendor: 'OISF', product: 'Suricata', name: iface } : { vendor: 'Cisco', product: 'Snort', name: iface },
      source: { ip: src.ip, port: src.port },
      destination: dst,
      transport,
      rule: { id: ref[2], name: msg || null, category: classification && classification !== 'none' ? classification : null },
      action: { value: snortAction(actionRaw), raw: actionRaw },
      severity: { id: fromPriority(prio), raw: prioText },
      format: 'snort-fast',
    });
  },
};
