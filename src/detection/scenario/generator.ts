import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * A seeded, labelled traffic scenario for detection: Suricata EVE and FortiGate lines per
 * jurisdiction, with benign background (thousands of users who hit a rule now and then,
 * internet-wide scanners at a low rate) and attacks (SSH and VPN brute force, port scans, slow
 * scans under the per-window thresholds, exploit and web-attack bursts, one attacker spread over
 * five jurisdictions at a low rate each). The same seed always gives the same lines.
 */

export type AttackKind = 'ssh-brute-force' | 'vpn-brute-force' | 'port-scan' | 'slow-scan' | 'exploit-burst' | 'web-attack' | 'multi-jurisdiction';

export interface ScenarioOptions {
  seed: number;
  /** Epoch ms of the first event; the scenario spans `durationMs` from there. */
  start: number;
  durationMs: number;
  jurisdictions: Array<{ id: string; cidr: string }>;
  users?: number;
  scanners?: number;
  /** Attackers of each kind (the multi-jurisdiction kind: this many, each over five jurisdictions). */
  attackersPerKind?: number;
}

export interface ScenarioEvent {
  ts: number;
  jurisdiction: string;
  format: 'suricata-eve' | 'fortigate';
  ip: string;
  line: string;
  label: 'benign' | AttackKind;
}

export interface ScenarioLabels {
  seed: number;
  start: string;
  end: string;
  jurisdictions: string[];
  attackers: Array<{ ip: string; kind: AttackKind; jurisdictions: string[]; events: number; firstEvent: string; lastEvent: string }>;
  benign: { users: number; scanners: number; ips: string[] };
  events: number;
}

export interface Scenario {
  events: ScenarioEvent[];
  labels: ScenarioLabels;
}

/** mulberry32: small, fast, good enough for traffic. */
export function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)],
    chance: (p: number) => next() < p,
  };
}
type Rng = ReturnType<typeof rng>;

// Public ranges the simulated sources come from: Korean ISPs for most users, foreign hosting for the rest.
const KR_PREFIXES = ['211.234', '58.229', '121.130', '175.223', '112.169', '220.85', '118.235', '125.128'];
const FOREIGN_PREFIXES = ['45.155', '185.220', '103.75', '91.240', '5.188', '194.26', '45.95', '179.43', '200.58', '36.110', '222.186', '61.177', '218.92'];
const SCANNER_PREFIXES = ['71.6', '162.142', '167.94', '198.235', '185.180', '193.163', '64.62', '80.82'];

const BENIGN_SIGS = [
  { sid: 2013028, sig: 'ET POLICY curl User-Agent Outbound', cat: 'Attempted Information Leak', sev: 3 },
  { sid: 2027390, sig: 'ET INFO Observed DNS Query to .cloud TLD', cat: 'Potentially Bad Traffic', sev: 3 },
  { sid: 2210045, sig: 'SURICATA STREAM Packet with invalid ack', cat: 'Generic Protocol Command Decode', sev: 3 },
  { sid: 2008581, sig: 'ET P2P BitTorrent DHT ping request', cat: 'Potential Corporate Privacy Violation', sev: 3 },
  { sid: 2019401, sig: 'ET POLICY Vulnerable Java Version 1.8.x Detected', cat: 'Potentially Bad Traffic', sev: 2 },
  { sid: 2011716, sig: 'ET SCAN Sipvicious User-Agent Detected (friendly-scanner)', cat: 'Attempted Information Leak', sev: 3 },
];
/**
 * A false positive a normal user trips now and then: a generic web-attack pattern (PHP code in a
 * forum post), high severity. Not an exploit or CVE signature: those match one exploit's payload,
 * which browsers do not send, and a deployment suppresses one that misfires on its users.
 */
const FALSE_POSITIVE = { sid: 2011768, sig: 'ET WEB_SERVER PHP tags in HTTP POST', cat: 'Web Application Attack', sev: 1 };
const SCANNER_PORTS = [[1433, 'MSSQL'], [3306, 'mySQL'], [5432, 'PostgreSQL'], [5900, 'VNC'], [3389, 'RDP'], [6379, 'Redis'], [9200, 'Elasticsearch']] as const;
const EXPLOITS = [
  { sid: 2034647, sig: 'ET EXPLOIT Apache log4j RCE Attempt (CVE-2021-44228)', cat: 'Attempted Administrator Privilege Gain', sev: 1, port: 8080 },
  { sid: 2029022, sig: 'ET EXPLOIT Citrix ADC Directory Traversal (CVE-2019-19781)', cat: 'Attempted Administrator Privilege Gain', sev: 1, port: 443 },
  { sid: 2027062, sig: 'ET EXPLOIT Oracle WebLogic RCE Shell Inbound (CVE-2019-2725)', cat: 'Attempted Administrator Privilege Gain', sev: 1, port: 7001 },
  { sid: 2036956, sig: 'ET EXPLOIT F5 BIG-IP iControl REST Authentication Bypass (CVE-2022-1388)', cat: 'Attempted Administrator Privilege Gain', sev: 1, port: 443 },
];
const WEB_ATTACKS = [
  { sid: 2006445, sig: 'ET WEB_SERVER Possible SQL Injection Attempt SELECT FROM', cat: 'Web Application Attack', sev: 1 },
  { sid: 2009362, sig: 'ET WEB_SERVER /etc/passwd Path Traversal Attempt', cat: 'Web Application Attack', sev: 1 },
  { sid: 2012887, sig: 'ET WEB_SERVER Script tag in URI Possible Cross Site Scripting Attempt', cat: 'Web Application Attack', sev: 1 },
];

function ipFrom(r: Rng, prefixes: readonly string[], used: Set<string>): string {
  for (;;) {
    const ip = `${r.pick(prefixes)}.${r.int(1, 254)}.${r.int(1, 254)}`;
    if (!used.has(ip)) {
      used.add(ip);
      return ip;
    }
  }
}

function hostIn(r: Rng, cidr: string, n = 200): string {
  const [net] = cidr.split('/');
  const o = net.split('.').map(Number);
  return `${o[0]}.${o[1]}.${r.int(0, 3)}.${r.int(1, Math.min(254, n))}`;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
/** Suricata's own timestamp shape: microseconds and an offset without a colon. */
function suricataTime(ts: number): string {
  const d = new Date(ts);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}${pad((ts * 7) % 1000, 3)}+0000`;
}

let flowSeq = 0;
function eve(ts: number, j: string, src: string, sport: number, dst: string, dport: number, s: { sid: number; sig: string; cat: string; sev: number }, action = 'allowed'): string {
  return JSON.stringify({
    timestamp: suricataTime(ts),
    flow_id: 1_000_000_000_000 + ++flowSeq,
    in_iface: 'eth1',
    event_type: 'alert',
    src_ip: src,
    src_port: sport,
    dest_ip: dst,
    dest_port: dport,
    proto: 'TCP',
    host: `ids-${j}`,
    alert: { action, gid: 1, signature_id: s.sid, rev: 3, signature: s.sig, category: s.cat, severity: s.sev },
  });
}

/** FortiGate local time in KST with an explicit tz, and eventtime in ns (as FortiOS 7 writes it). */
function fortiHead(ts: number, j: string): string {
  const d = new Date(ts + 9 * 3_600_000);
  return `date=${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} time=${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} devname="FGT-${j}" devid="FG100FTK2200${(j.length * 7919) % 10000}" eventtime=${ts}000000 tz="+0900"`;
}

function fortiVpnFail(ts: number, j: string, src: string, dst: string, user: string): string {
  return `${fortiHead(ts, j)} logid="0101039426" type="event" subtype="vpn" level="alert" vd="root" logdesc="SSL VPN login fail" action="ssl-login-fail" tunneltype="ssl-web" remip=${src} locip=${dst} user="${user}" group="N/A" reason="sslvpn_login_permission_denied" msg="SSL user failed to logged in"`;
}

function fortiIps(ts: number, j: string, src: string, sport: number, dst: string, dport: number, attack: string, attackid: number, severity: string): string {
  return `${fortiHead(ts, j)} logid="0419016384" type="utm" subtype="ips" eventtype="signature" level="alert" vd="root" severity="${severity}" srcip=${src} srcport=${sport} srcintf="wan1" dstip=${dst} dstport=${dport} dstintf="internal" proto=6 service="HTTPS" action="dropped" attack="${attack}" attackid=${attackid} ref="http://www.fortinet.com/ids/VID${attackid}" msg="web_app: ${attack}"`;
}

export function generateScenario(opts: ScenarioOptions): Scenario {
  const r = rng(opts.seed);
  flowSeq = opts.seed * 100_000;
  const used = new Set<string>();
  const events: ScenarioEvent[] = [];
  const js = opts.jurisdictions;
  const end = opts.start + opts.durationMs;
  const at = (lo: number, hi: number) => Math.floor(lo + r.next() * Math.max(0, hi - lo));
  const push = (e: ScenarioEvent) => events.push(e);
  const attackers: ScenarioLabels['attackers'] = [];
  const sport = () => r.int(1024, 65535);

  // -- benign users: 1–3 alerts each over the whole span; a few trip a false positive; some mistype a VPN password
  const users = opts.users ?? 3000;
  const benignIps: string[] = [];
  for (let u = 0; u < users; u++) {
    const ip = ipFrom(r, r.chance(0.8) ? KR_PREFIXES : FOREIGN_PREFIXES, used);
    benignIps.push(ip);
    const j = r.pick(js);
    const n = r.int(1, 3);
    for (let k = 0; k < n; k++) {
      const ts = at(opts.start, end);
      if (r.chance(0.1)) push({ ts, jurisdiction: j.id, format: 'fortigate', ip, label: 'benign', line: fortiVpnFail(ts, j.id, ip, hostIn(r, j.cidr, 4), `user${u}`) });
      else {
        const s = r.chance(0.03) ? FALSE_POSITIVE : r.pick(BENIGN_SIGS);
        push({ ts, jurisdiction: j.id, format: 'suricata-eve', ip, label: 'benign', line: eve(ts, j.id, ip, sport(), hostIn(r, j.cidr), r.pick([80, 443, 53, 8080]), s) });
      }
    }
  }
  // -- internet-wide scanners: a few low-severity probes each, spread over several jurisdictions and a few ports
  const scanners = opts.scanners ?? 200;
  for (let s = 0; s < scanners; s++) {
    const ip = ipFrom(r, SCANNER_PREFIXES, used);
    benignIps.push(ip);
    const ports = Array.from({ length: r.int(1, 3) }, () => r.pick(SCANNER_PORTS));
    const n = r.int(2, 6);
    for (let k = 0; k < n; k++) {
      const ts = at(opts.start, end);
      const j = r.pick(js);
      const [port, svc] = r.pick(ports);
      push({ ts, jurisdiction: j.id, format: 'suricata-eve', ip, label: 'benign', line: eve(ts, j.id, ip, sport(), hostIn(r, j.cidr), port, { sid: 2010935 + port, sig: `ET SCAN Suspicious inbound to ${svc} port ${port}`, cat: 'Potentially Bad Traffic', sev: 3 }) });
    }
  }

  const per = opts.attackersPerKind ?? 3;
  const attack = (kind: AttackKind, make: (ip: string) => ScenarioEvent[]) => {
    for (let a = 0; a < per; a++) {
      const ip = ipFrom(r, FOREIGN_PREFIXES, used);
      const evs = make(ip);
      evs.forEach(push);
      const times = evs.map((e) => e.ts);
      attackers.push({ ip, kind, jurisdictions: [...new Set(evs.map((e) => e.jurisdiction))].sort(), events: evs.length, firstEvent: new Date(Math.min(...times)).toISOString(), lastEvent: new Date(Math.max(...times)).toISOString() });
    }
  };
  const burstStart = (span: number) => at(opts.start, end - span);

  attack('ssh-brute-force', (ip) => {
    const j = r.pick(js);
    const dst = hostIn(r, j.cidr, 20);
    const n = r.int(30, 80);
    const t0 = burstStart(240_000);
    return Array.from({ length: n }, (_, k) => {
      const ts = t0 + Math.floor((k * 240_000) / n);
      return { ts, jurisdiction: j.id, format: 'suricata-eve' as const, ip, label: 'ssh-brute-force' as const, line: eve(ts, j.id, ip, sport(), dst, 22, { sid: 2001219, sig: 'ET SCAN Potential SSH Scan', cat: 'Attempted Information Leak', sev: 2 }) };
    });
  });
  attack('vpn-brute-force', (ip) => {
    const j = r.pick(js);
    const dst = hostIn(r, j.cidr, 4);
    const n = r.int(20, 60);
    const t0 = burstStart(300_000);
    return Array.from({ length: n }, (_, k) => {
      const ts = t0 + Math.floor((k * 300_000) / n);
      return { ts, jurisdiction: j.id, format: 'fortigate' as const, ip, label: 'vpn-brute-force' as const, line: fortiVpnFail(ts, j.id, ip, dst, r.pick(['admin', 'test', 'vpn', 'guest', 'root'])) };
    });
  });
  attack('port-scan', (ip) => {
    const j = r.pick(js);
    const dst = hostIn(r, j.cidr, 50);
    const n = r.int(40, 150);
    const t0 = burstStart(120_000);
    const ports = new Set<number>();
    while (ports.size < n) ports.add(r.int(1, 10_000));
    return [...ports].map((p, k) => {
      const ts = t0 + Math.floor((k * 120_000) / n);
      return { ts, jurisdiction: j.id, format: 'suricata-eve' as const, ip, label: 'port-scan' as const, line: eve(ts, j.id, ip, sport(), dst, p, { sid: 2009582, sig: 'ET SCAN NMAP -sS window 1024', cat: 'Attempted Information Leak', sev: 2 }) };
    });
  });
  attack('slow-scan', (ip) => {
    // One probe every 60–100 s: never 20 ports in 5 minutes, but well over 25 in six hours.
    const j = r.pick(js);
    const dst = hostIn(r, j.cidr, 50);
    const out: ScenarioEvent[] = [];
    let ts = opts.start + r.int(0, 600_000);
    let p = r.int(1, 2000);
    while (ts < end) {
      p += r.int(1, 40);
      out.push({ ts, jurisdiction: j.id, format: 'suricata-eve', ip, label: 'slow-scan', line: eve(ts, j.id, ip, sport(), dst, p, { sid: 2010937, sig: 'ET SCAN Suspicious inbound to unusual port', cat: 'Potentially Bad Traffic', sev: 3 }) });
      ts += r.int(60_000, 100_000);
    }
    return out;
  });
  attack('exploit-burst', (ip) => {
    const j = r.pick(js);
    const dst = hostIn(r, j.cidr, 20);
    const n = r.int(6, 15);
    const t0 = burstStart(300_000);
    return Array.from({ length: n }, (_, k) => {
      const ts = t0 + Math.floor((k * 300_000) / n);
      const x = r.pick(EXPLOITS);
      if (r.chance(0.3)) return { ts, jurisdiction: j.id, format: 'fortigate' as const, ip, label: 'exploit-burst' as const, line: fortiIps(ts, j.id, ip, sport(), dst, x.port, x.sig.replace(/^ET EXPLOIT /, ''), x.sid, 'critical') };
      return { ts, jurisdiction: j.id, format: 'suricata-eve' as const, ip, label: 'exploit-burst' as const, line: eve(ts, j.id, ip, sport(), dst, x.port, x) };
    });
  });
  attack('web-attack', (ip) => {
    const j = r.pick(js);
    const dst = hostIn(r, j.cidr, 10);
    const n = r.int(12, 30);
    const t0 = burstStart(240_000);
    return Array.from({ length: n }, (_, k) => {
      const ts = t0 + Math.floor((k * 240_000) / n);
      return { ts, jurisdiction: j.id, format: 'suricata-eve' as const, ip, label: 'web-attack' as const, line: eve(ts, j.id, ip, sport(), dst, r.pick([80, 443]), r.pick(WEB_ATTACKS)) };
    });
  });
  attack('multi-jurisdiction', (ip) => {
    // Five jurisdictions, 3–5 alerts each over the whole span: nothing any one of them would act on.
    const five = [...js].sort(() => r.next() - 0.5).slice(0, Math.min(5, js.length));
    const out: ScenarioEvent[] = [];
    for (const j of five) {
      const n = r.int(3, 5);
      for (let k = 0; k < n; k++) {
        const ts = at(opts.start, end);
        const dst = hostIn(r, j.cidr, 30);
        if (r.chance(0.5)) {
          const x = r.pick(EXPLOITS);
          out.push({ ts, jurisdiction: j.id, format: 'suricata-eve', ip, label: 'multi-jurisdiction', line: eve(ts, j.id, ip, sport(), dst, x.port, x) });
        } else out.push({ ts, jurisdiction: j.id, format: 'suricata-eve', ip, label: 'multi-jurisdiction', line: eve(ts, j.id, ip, sport(), dst, 22, { sid: 2003068, sig: 'ET SCAN Potential SSH Scan OUTBOUND', cat: 'Attempted Information Leak', sev: 2 }) });
      }
    }
    return out;
  });

  events.sort((a, b) => a.ts - b.ts);
  return {
    events,
    labels: {
      seed: opts.seed,
      start: new Date(opts.start).toISOString(),
      end: new Date(end).toISOString(),
      jurisdictions: js.map((j) => j.id),
      attackers,
      benign: { users, scanners, ips: benignIps },
      events: events.length,
    },
  };
}

/** Write `<jurisdiction>.suricata.jsonl`, `<jurisdiction>.fortigate.log` and `labels.json`; returns the files written. */
export function writeScenario(s: Scenario, dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const files = new Map<string, string[]>();
  for (const e of s.events) {
    const f = path.join(dir, `${e.jurisdiction}.${e.format === 'fortigate' ? 'fortigate.log' : 'suricata.jsonl'}`);
    (files.get(f) ?? files.set(f, []).get(f)!).push(e.line);
  }
  for (const [f, lines] of files) writeFileSync(f, lines.join('\n') + '\n');
  const labels = path.join(dir, 'labels.json');
  writeFileSync(labels, JSON.stringify(s.labels, null, 2) + '\n');
  return [...files.keys(), labels].sort();
}

/**
 * Batches to post in time order: every `stepMs` of scenario time, one request per jurisdiction and
 * format (as sensors forwarding every few minutes would).
 */
export function batchesInTimeOrder(s: Scenario, stepMs: number): Array<{ jurisdiction: string; format: ScenarioEvent['format']; events: ScenarioEvent[] }> {
  const out = new Map<string, { jurisdiction: string; format: ScenarioEvent['format']; events: ScenarioEvent[]; slot: number }>();
  const start = s.events[0]?.ts ?? 0;
  for (const e of s.events) {
    const slot = Math.floor((e.ts - start) / stepMs);
    const key = `${slot}|${e.jurisdiction}|${e.format}`;
    (out.get(key) ?? out.set(key, { jurisdiction: e.jurisdiction, format: e.format, events: [], slot }).get(key)!).events.push(e);
  }
  return [...out.values()].sort((a, b) => a.slot - b.slot).map(({ slot: _slot, ...b }) => b);
}
