import { z } from 'zod';
import { AlertFormat, FormatId } from '../../contracts/alert';
import { UtcOffset } from '../../contracts/zone';
import { Tlp } from '../../contracts/tlp';
import { durationText } from '../../contracts/duration';
import { isWebhookAllowEntry, parseNet } from '../../contracts/net';

const Cidr = z.string().regex(/^[0-9a-fA-F:.]+\/\d{1,3}$/, 'expected a CIDR like 10.0.0.0/8');
// One validator for every configured zone (hours ≤ 14, minutes < 60), shared with ?timezone=.
const Offset = UtcOffset;

export const JurisdictionConfig = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lower-case letters, digits and dashes'),
  name: z.string().min(1),
  /** Name on English screens (the dashboard shows `name` when there is none). */
  nameEn: z.string().min(1).optional(),
  parent: z.string().nullable().default(null),
  cidrs: z.array(Cidr).default([]),
  timezone: Offset.optional(),
});
export type JurisdictionConfig = z.infer<typeof JurisdictionConfig>;

export const SyslogSender = z.strictObject({
  cidr: Cidr,
  jurisdiction: z.string(),
  /** A built-in format, `auto`, or a loaded LogFormat id (checked against the formats in force at start-up). */
  format: FormatId.default('auto'),
  timezone: Offset.optional(),
});

export const SyslogListener = z.strictObject({
  name: z.string(),
  protocol: z.enum(['udp', 'tcp']),
  host: z.string().default('0.0.0.0'),
  port: z.number().int().min(0).max(65535),
  /** Sender address ranges mapped to a jurisdiction and a format; first match wins. */
  senders: z.array(SyslogSender).min(1),
  /** UDP only: socket receive buffer asked for (SO_RCVBUF), 8 MiB when unset; Linux caps it at net.core.rmem_max, and a warning names the size granted. */
  receiveBufferBytes: z.number().int().min(4096).optional(),
});

const Duration = durationText('expected a duration like 30s, 5m, 6h, 1d');
/** Points an anomaly factor gives at most; 0 turns it off. */
const Weight = z.number().min(0).max(100);

/** Detection: rule and anomaly scoring of source IPs (docs/detection.md explains every knob). */
export const DetectionConfig = z.strictObject({
  enabled: z.boolean().default(true),
  /** Directory of YAML documents; kind: DetectionRule documents are loaded from it (recursively). */
  rulesDir: z.string().default('./playbooks'),
  /** Score (0–100) at which an IP is flagged; the lowest threshold among the jurisdictions that saw it applies. */
  threshold: z.number().min(1).max(100).default(60),
  thresholds: z.record(z.string(), z.number().min(1).max(100)).default({}),
  /** A flagged IP is flagged again only once its score rose this much above its (decayed) score at the last flag. */
  reflagStep: z.number().min(1).max(100).default(15),
  /** Scores halve every this many hours without new evidence. */
  halfLifeHours: z.number().positive().default(6),
  /** Per-IP state lives this long after the IP's last alert. */
  stateTtlHours: z.number().positive().default(168),
  /** Recurrence (blocks recorded by the block-list) is remembered this long. */
  recurrenceTtlDays: z.number().positive().default(90),
  /** Time constant of the per-IP alert-rate EWMA. */
  rateTauMinutes: z.number().positive().default(10),
  /** Learning rate of each jurisdiction's baseline (EWMA of log per-IP rate), and samples needed before it is trusted. */
  baselineAlpha: z.number().gt(0).max(1).default(0.02),
  baselineWarmup: z.number().int().min(0).default(50),
  /** Alert ids kept per IP as evidence for flags. */
  evidenceMax: z.number().int().min(1).max(200).default(20),
  /** Distinct values (value_count) or alerts (event_count) kept per IP and rule window. */
  maxWindowValues: z.number().int().min(16).max(4096).default(256),
  /** Window used by correlation rules that give none. */
  defaultWindow: Duration.default('5m'),
  /** Countries that are not "foreign" for the foreign factor (ISO 3166-1 alpha-2). */
  homeCountries: z.array(z.string().regex(/^[A-Z]{2}$/)).default(['KR']),
  /** Extra points by source country or AS number (enrichment factors). */
  countryPoints: z.record(z.string().regex(/^[A-Z]{2}$/), z.number().min(-100).max(100)).default({}),
  asnPoints: z.record(z.string().regex(/^\d+$/), z.number().min(-100).max(100)).default({}),
  /** Offline country/AS databases from npm packages; off: no enrichment. */
  enrichment: z.boolean().default(true),
  /** IPv6 sources are also scored and flagged per network of this prefix length (attackers rotate through a /64); 0 = off. */
  ipv6Prefix: z.number().int().min(0).max(127).default(64),
  weights: z
    .strictObject({
      rate: Weight.default(15),
      targets: Weight.default(15),
      ports: Weight.default(15),
      signatures: Weight.default(10),
      severity: Weight.default(15),
      actions: Weight.default(10),
      jurisdictions: Weight.default(25),
      recurrence: Weight.default(20),
      foreign: Weight.default(5),
    })
    .prefault({}),
  /** Where each factor starts giving points and where it gives its full weight. */
  ranges: z
    .strictObject({
      rateRatio: z.tuple([z.number().positive(), z.number().positive()]).default([3, 100]),
      targets: z.tuple([z.number().positive(), z.number().positive()]).default([3, 50]),
      ports: z.tuple([z.number().positive(), z.number().positive()]).default([3, 100]),
      signatures: z.tuple([z.number().positive(), z.number().positive()]).default([3, 20]),
      jurisdictions: z.tuple([z.number().positive(), z.number().positive()]).default([2, 4]),
      recurrence: z.tuple([z.number().positive(), z.number().positive()]).default([1, 3]),
      /** Alerts needed before severity and action shares count fully. */
      minAlerts: z.number().int().min(1).default(5),
    })
    .prefault({}),
});
export type DetectionConfig = z.infer<typeof DetectionConfig>;

/** Block decisions, allowlists and feeds (docs/blocklist.md explains every knob). */
const BlocklistDuration = durationText('expected a duration like 30s, 5m, 24h, 7d, 1h30m');
export const BlocklistConfig = z.strictObject({
  /** Duration of a ban that names none. */
  defaultDuration: BlocklistDuration.default('24h'),
  minDuration: BlocklistDuration.default('1s'),
  /** Every decision expires; none may last longer than this. */
  maxDuration: BlocklistDuration.default('365d'),
  /** Repeat offenders (fail2ban bantime.increment): duration × factor^n for the n-th ban within lookback, capped at max. */
  escalation: z
    .strictObject({
      enabled: z.boolean().default(true),
      factor: z.number().min(1).max(100).default(2),
      max: BlocklistDuration.default('30d'),
      lookback: BlocklistDuration.default('30d'),
    })
    .prefault({}),
  /** Shortest prefix a ban may have; /0 is refused whatever this says. */
  minPrefix: z.strictObject({ v4: z.number().int().min(1).max(32).default(16), v6: z.number().int().min(1).max(128).default(48) }).prefault({}),
  defaultTlp: Tlp.default('AMBER'),
  /** Ended and expired decisions stay readable (history, audit) this long after their expiry. */
  retentionDays: z.number().positive().default(30),
  /** Ended (revoked) decisions stay in the STIX feed with revoked: true this long. */
  revokedKeepHours: z.number().min(0).default(24),
  /** Change-log entries kept per jurisdiction (CrowdSec deltas, SSE replay, feed deltas). */
  changeLogMax: z.number().int().min(1000).default(200_000),
  idempotencyTtlSeconds: z.number().int().positive().default(86_400),
  /** How often expired decisions are recorded (events); feeds drop them at the exact instant regardless. */
  sweepIntervalMs: z.number().int().min(50).max(60_000).default(1000),
  feeds: z
    .strictObject({
      /** Upper bound of ?max_entries= and of any feed. */
      maxEntries: z.number().int().positive().default(300_000),
      /** Reason text kept in EDL comments and CSV/JSON reasons. */
      reasonMaxChars: z.number().int().min(0).max(2000).default(120),
      /** Renderings (format × parameters) cached per jurisdiction. */
      variantsPerJurisdiction: z.number().int().min(1).max(256).default(16),
    })
    .prefault({}),
  sse: z.strictObject({ heartbeatSeconds: z.number().positive().default(15), maxClients: z.number().int().positive().default(1000) }).prefault({}),
});
export type BlocklistConfig = z.infer<typeof BlocklistConfig>;

/** Sharing between jurisdictions and federation with other deployments (docs/sharing.md explains every knob). */
const SharingDuration = durationText('expected a duration like 30s, 5m, 24h, 7d');
/** An Ed25519 key: PEM (PKCS#8 private / SPKI public), base64 of the raw 32 bytes, or `env:NAME` to read either from the environment. */
const KeyText = z.string().min(1);
export const SharingConfig = z.strictObject({
  enabled: z.boolean().default(true),
  /** Directory of YAML documents; kind: SharingPolicy documents are loaded from it (recursively). */
  policiesDir: z.string().default('./playbooks'),
  /** TTL of a share that names none, and the longest one accepted. */
  defaultTtl: SharingDuration.default('24h'),
  maxTtl: SharingDuration.default('30d'),
  /** Shares, inbox entries and their indexes stay readable this long after they expire. */
  retentionDays: z.number().positive().default(30),
  /** Review edges: what the approval asks for. */
  review: z
    .strictObject({ timeout: SharingDuration.default('24h'), onTimeout: z.enum(['deny', 'approve']).default('deny'), quorum: z.number().int().min(1).max(10).default(1) })
    .prefault({}),
  /** Watch the block-list change log: when an origin lifts its decision, its shares of that value are revoked. */
  revokeOnUnblock: z.boolean().default(true),
  federation: z
    .strictObject({
      /** This deployment's id as its peers know it (they list it under peers[].id). */
      id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lower-case letters, digits and dashes').default('gwanje'),
      /** Default Ed25519 private key signing outbound messages (peers[].privateKey overrides). */
      privateKey: KeyText.optional(),
      /** Messages whose timestamp is further than this from our clock are refused (400). */
      maxSkewSeconds: z.number().int().min(5).max(3600).default(300),
      requestTimeoutMs: z.number().int().min(100).default(10_000),
      /** Outbound delivery retries: exponential from baseMs, capped at maxMs, for this many attempts (then the next share retries the backlog). */
      retry: z
        .strictObject({ baseMs: z.number().int().min(10).default(1000), maxMs: z.number().int().min(10).default(60_000), attempts: z.number().int().min(1).default(100_000) })
        .prefault({}),
    })
    .prefault({}),
});
export type SharingConfig = z.infer<typeof SharingConfig>;

/** Another Gwanje deployment we exchange signed shares with. */
export const PeerConfig = z.strictObject({
  /** The peer's federation id (its sharing.federation.id); it signs as this. Policies name it `peer:<id>`. */
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lower-case letters, digits and dashes'),
  /** Base URL of the peer's API, e.g. https://gwanje.seoul.example */
  url: z.string().url(),
  /** The API key the peer gave us (sent as Bearer; also for pulling its feeds and TAXII). */
  apiKey: z.string().optional(),
  /** The peer's Ed25519 public key: its messages must verify against it. */
  publicKey: KeyText,
  /** Our Ed25519 private key for this peer (default sharing.federation.privateKey). */
  privateKey: KeyText.optional(),
  /** Jurisdictions at the peer our shares are addressed to (its ids); default: the peer decides (its hubs). */
  targets: z.array(z.string()).default([]),
  /** Our jurisdictions this peer may deliver to; default: any. */
  accept: z.array(z.string()).optional(),
  /** Most restrictive TLP we send to this peer (RED never leaves). */
  maxTlp: Tlp.default('AMBER'),
  enabled: z.boolean().default(true),
});
export type PeerConfig = z.infer<typeof PeerConfig>;

/**
 * Cost limits of CEL expressions (playbook conditions, targets and templates, detection rules,
 * simulate): checked at load, enforced on every evaluation (docs/playbooks.md#cel-cost-limits).
 */
export const CelConfig = z.strictObject({
  /** Comprehensions (all, exists, exists_one, map, filter) nested deeper than this are refused at load. */
  maxNesting: z.number().int().min(1).max(6).default(2),
  /**
   * Budget of one evaluation, in units: each element a comprehension iterates costs its loop body's
   * size in expression nodes, each character replace() and join() produce costs one. Worst cases over
   * literal lists above it are refused at load; an evaluation that spends it stops with an error.
   */
  maxCost: z.number().int().min(1000).max(100_000_000).default(100_000),
});
export type CelConfig = z.infer<typeof CelConfig>;

/** Playbooks: the engine that acts on flags and shared indicators (docs/playbooks.md). */
const PlaybookDuration = durationText('expected a duration like 30s, 5m, 24h, 7d');
export const PlaybooksConfig = z.strictObject({
  enabled: z.boolean().default(true),
  /** Directory of YAML documents; kind: Playbook documents are loaded from it (recursively). */
  dir: z.string().default('./playbooks'),
  /** Re-validate changed files and swap them in (a bad edit keeps the old version running). */
  watch: z.boolean().default(true),
  /** Changes within this long are taken together. */
  watchDebounceMs: z.number().int().min(0).max(60_000).default(250),
  /** Side effects (block, unblock, share) a playbook may take per hour before its circuit breaker opens; a playbook's guards.max_actions_per_hour overrides. */
  blastRadiusPerHour: z.number().int().min(1).max(1_000_000).default(200),
  /** Concurrent playbook jobs per worker process. */
  workerConcurrency: z.number().int().min(1).max(64).default(4),
  /** Job attempts (infrastructure errors) before a run is marked failed, and the first backoff. */
  attempts: z.number().int().min(1).max(20).default(5),
  backoffMs: z.number().int().min(10).default(1000),
  /** Default step timeout and step retries (a step's timeout/retry override). */
  stepTimeout: PlaybookDuration.default('30s'),
  stepAttempts: z.number().int().min(1).max(10).default(3),
  stepBackoff: PlaybookDuration.default('1s'),
  /** Approval timeout when an approve step names none. */
  approvalTimeout: PlaybookDuration.default('4h'),
  /** Runs and decided approvals are kept this long. */
  retentionDays: z.number().positive().default(30),
  /** Stored versions kept per playbook. */
  maxVersions: z.number().int().min(2).max(1000).default(50),
  webhooks: z
    .strictObject({
      timeoutMs: z.number().int().min(100).max(120_000).default(5000),
      /** Header carrying `sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">`. */
      signatureHeader: z.string().default('x-gwanje-signature'),
      /** Secrets notify steps name (`secret: soc`): a value, or the environment variable holding it. */
      secrets: z.record(z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/), z.union([z.strictObject({ value: z.string().min(16) }), z.strictObject({ env: z.string().min(1) })])).default({}),
      /**
       * Internal receivers webhooks may reach: CIDRs (or addresses) and host names. Without an entry
       * only public unicast addresses are posted to (loopback, private, link-local, CGNAT... refused).
       */
      allow: z.array(z.string().refine(isWebhookAllowEntry, 'a CIDR (10.20.0.0/16), an IP address or a host name')).default([]),
    })
    .prefault({}),
});
export type PlaybooksConfig = z.infer<typeof PlaybooksConfig>;

export const GwanjeConfig = z.strictObject({
  role: z.enum(['all', 'api', 'worker']).default('all'),
  server: z
    .strictObject({
      host: z.string().default('0.0.0.0'),
      port: z.number().int().min(0).max(65535).default(8080),
      /** Largest request body accepted (after gzip decompression), bytes. */
      bodyLimitBytes: z.number().int().positive().default(16 * 1024 * 1024),
      /** Requests per key per minute before 429. */
      rateLimitPerMinute: z.number().int().positive().default(6000),
      /** Failed authentications (a key presented but unknown or revoked) per client address in a sliding window before every authenticated request from it is a 429; IPv6 clients count per /64. */
      authFailures: z.strictObject({ max: z.number().int().min(1).default(20), windowSeconds: z.number().int().min(1).max(86_400).default(60) }).prefault({}),
      /** This API's base URL as clients reach it (absolute links such as TAXII discovery), e.g. https://gwanje.example.go.kr. Unset: the address the request arrived on, or a trusted proxy's X-Forwarded-Proto/-Host; never the Host header. */
      publicUrl: z.url({ protocol: /^https?$/ }).optional(),
      /** Reverse proxies (addresses or CIDRs) whose X-Forwarded-For/-Proto/-Host are believed; nobody's by default. */
      trustedProxies: z.array(z.string().refine((s) => parseNet(s) !== null, 'expected an IP address or CIDR')).default([]),
    })
    .prefault({}),
  redis: z
    .strictObject({
      /** Unset: start an embedded redis-server child with AOF under dataDir. */
      url: z.string().url().optional(),
      dataDir: z.string().default('./var'),
      binary: z.string().default('redis-server'),
      keyPrefix: z.string().default('gw'),
    })
    .prefault({}),
  log: z
    .strictObject({
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
      /** `pretty`: one human line per entry; `json`: pino JSON; `auto`: pretty when stdout is a terminal, else JSON. */
      format: z.enum(['auto', 'pretty', 'json']).default('auto'),
    })
    .prefault({}),
  /** Accepted as a hub admin key when set (bootstrap and tests). */
  adminKey: z.string().min(16, 'at least 16 characters').optional(),
  jurisdictions: z.array(JurisdictionConfig).min(1),
  ingest: z
    .strictObject({
      chunkSize: z.number().int().min(1).max(10_000).default(500),
      maxLineBytes: z.number().int().min(256).default(64 * 1024),
      originalMaxBytes: z.number().int().min(64).default(4096),
      defaultTimezone: Offset.default('+09:00'),
      defaultFormat: FormatId.default('auto'),
      idempotencyTtlSeconds: z.number().int().positive().default(86_400),
      rejectsPerJurisdiction: z.number().int().positive().default(10_000),
      /** Rejects listed in one ingest answer and stored from one batch; the rest are only counted (`rejectedCount`). */
      rejectsPerBatch: z.number().int().min(1).max(10_000).default(100),
      workerConcurrency: z.number().int().min(1).max(64).default(4),
      /** A job whose worker died is retried after this long (BullMQ lock and stalled check). */
      lockDurationMs: z.number().int().min(1000).default(30_000),
      /** Test only: the worker SIGKILLs itself right after storing its first chunk, before scoring it (crash tests). */
      testCrashAfterStore: z.boolean().default(false),
      /** Bounds past which POST /v1/ingest answers 429/503 and syslog sheds batches (docs/configuration.md). */
      backpressure: z
        .strictObject({
          /** Alerts queued but not yet stored and scored, whole deployment; 0 turns the bound off. */
          maxBacklogAlerts: z.number().int().min(0).default(200_000),
          /** Redis used_memory bound in bytes; 0: use maxRedisMemoryRatio of Redis' maxmemory instead. */
          maxRedisMemoryBytes: z.number().int().min(0).default(0),
          /** Share of Redis' maxmemory (when Redis has one) past which ingest is refused. */
          maxRedisMemoryRatio: z.number().gt(0).max(1).default(0.9),
          /** Retry-After sent with 429/503. */
          retryAfterSeconds: z.number().int().min(1).max(3600).default(2),
        })
        .prefault({}),
    })
    .prefault({}),
  alerts: z
    .strictObject({
      retentionDays: z.number().positive().default(30),
      maxPerJurisdiction: z.number().int().positive().default(1_000_000),
      perIpIndex: z.number().int().positive().default(500),
    })
    .prefault({}),
  syslog: z.array(SyslogListener).default([]),
  detection: DetectionConfig.prefault({}),
  blocklist: BlocklistConfig.prefault({}),
  playbooks: PlaybooksConfig.prefault({}),
  /** Device formats as data: kind: LogFormat documents (docs/formats.md). */
  formats: z
    .strictObject({
      /** Directory of LogFormat YAML documents (recursively); a missing directory means none. */
      dir: z.string().default('./formats'),
      /** Re-validate changed files and swap them in (a bad edit keeps the old version). */
      watch: z.boolean().default(true),
      watchDebounceMs: z.number().int().min(0).max(60_000).default(250),
    })
    .prefault({}),
  cel: CelConfig.prefault({}),
  sharing: SharingConfig.prefault({}),
  peers: z.array(PeerConfig).default([]),
  /** Verdicts as labels, a model per jurisdiction, shadow then promote (docs/learning.md). */
  learning: z
    .strictObject({
      /** Record verdicts as labelled examples and let models score (false: neither). */
      enabled: z.boolean().default(true),
      /** Labelled examples kept per jurisdiction; the oldest go first. */
      maxExamplesPerJurisdiction: z.number().int().min(10).max(1_000_000).default(10_000),
      /** Fewest examples (with both labels present) a model is trained from. */
      minExamples: z.number().int().min(4).default(20),
      /** Share of examples held out for evaluation (chosen by a hash of the example id: stable). */
      holdout: z.number().min(0.1).max(0.5).default(0.25),
      /** L2 penalty of the logistic regression. */
      l2: z.number().min(0).default(0.01),
      epochs: z.number().int().min(10).max(100_000).default(2000),
      learningRate: z.number().positive().default(0.5),
      /** Most points a promoted model adds (p = 1) or removes (p = 0); it adds 0 at p = 0.5. */
      maxPoints: z.number().min(0).max(100).default(20),
      /** Scheduled training of every jurisdiction with examples (a BullMQ repeatable job); null turns it off. */
      trainEvery: Duration.nullable().default('24h'),
      /** How often a process re-reads which model is live or in shadow (another process may have promoted). */
      refreshSeconds: z.number().int().min(1).default(30),
      /** Shadow-vs-live disagreements kept per jurisdiction. */
      maxDisagreements: z.number().int().min(1).default(500),
    })
    .prefault({}),
});
export type GwanjeConfig = z.infer<typeof GwanjeConfig>;
export { AlertFormat };
