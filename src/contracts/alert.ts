import { z } from 'zod';

/** OCSF severity_id: 0 Unknown, 1 Informational, 2 Low, 3 Medium, 4 High, 5 Critical, 6 Fatal. */
export const SeverityId = z.number().int().min(0).max(6);

/** The alert formats Gwanje parses (src/normalize/parsers), as the API and the config name them. */
export const AlertFormat = z.enum([
  'suricata-eve',
  'snort-json',
  'snort-fast',
  'cef',
  'leef',
  'fortigate',
  'panos',
  'modsecurity',
  'ecs',
  'netfilter',
  'pf',
]);
export type AlertFormat = z.infer<typeof AlertFormat>;

/**
 * A format id as ingest, syslog senders and alerts carry it: a built-in (AlertFormat), `auto`, or the
 * id of a `kind: LogFormat` document loaded at run time (src/formats), so it is checked against the
 * formats in force where it is used, not by an enum.
 */
export const FormatId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'a format id: lower-case letters, digits and dashes');
export type FormatId = z.infer<typeof FormatId>;

/** Formats a client may ask for: every parser plus `auto`, which detects per line. */
export const IngestFormat = z.enum([...AlertFormat.options, 'auto']);
export type IngestFormat = z.infer<typeof IngestFormat>;

/** How the timestamp's zone was known: from the line itself, from the sensor's configured zone, or guessed from receive time. */
export const TimezoneSource = z.enum(['explicit', 'configured', 'received']);

const Endpoint = z.object({
  ip: z.string().nullable(),
  port: z.number().int().min(0).max(65535).nullable(),
});

/**
 * The one schema every sensor format is normalized into. Field names follow ECS
 * (source.ip, destination.port, rule.id, observer.vendor) and severity follows OCSF.
 */
export const NormalizedAlert = z.object({
  /** Set where the line arrives: HTTP hashes (jurisdiction, line, copy within the body), syslog the message's receipt (docs/alert-schema.md#alert-identity). */
  id: z.string(),
  timestamp: z.string().datetime({ offset: false }),
  timezone_source: TimezoneSource,
  received: z.string().datetime({ offset: false }),
  jurisdiction: z.string(),
  observer: z.object({
    vendor: z.string(),
    product: z.string(),
    name: z.string().nullable(),
  }),
  source: Endpoint.extend({ ip: z.string() }),
  destination: Endpoint,
  transport: z.string().nullable(),
  rule: z.object({
    id: z.string().nullable(),
    name: z.string().nullable(),
    category: z.string().nullable(),
  }),
  action: z.object({
    value: z.enum(['allowed', 'blocked', 'unknown']),
    raw: z.string().nullable(),
  }),
  severity: z.object({
    id: SeverityId,
    raw: z.string().nullable(),
  }),
  /** A built-in format or a loaded LogFormat's id. */
  format: FormatId,
  /** The line as received, cut to the configured bound. */
  original: z.string(),
});
export type NormalizedAlert = z.infer<typeof NormalizedAlert>;
