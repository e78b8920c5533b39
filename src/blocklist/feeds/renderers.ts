import { TLP_MARKING_DEFINITIONS, TLP_MARKING_IDS, Tlp } from '../../contracts/tlp';
import type { FeedEntry } from './snapshot';
import { identityId, indicatorId, stixPattern, uuidv5, GWANJE_STIX_NAMESPACE } from './stix';
import { createHash } from 'node:crypto';

export const FEED_FORMATS = ['edl', 'json', 'csv', 'stix'] as const;
export type FeedFormat = (typeof FEED_FORMATS)[number];

export const CONTENT_TYPES: Record<FeedFormat, string> = {
  edl: 'text/plain; charset=utf-8',
  json: 'application/json; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  stix: 'application/stix+json;version=2.1',
};

export interface RenderContext {
  jurisdiction: { id: string; name: string };
  /** Entries in feed order (highest score first). */
  active: FeedEntry[];
  /** Ended decisions still in the revoked window (STIX only). */
  revoked: FeedEntry[];
  reasonMaxChars: number;
  comments: boolean;
}

/**
 * Characters that break a line for some consumer, or hide text: every C0 and C1 control (NEL
 * U+0085, VT, FF and the U+001C–U+001E separators that Python's splitlines() honours), DEL, the
 * line and paragraph separators (U+2028, U+2029), bidi embeddings/overrides/isolates and the BOM.
 */
const UNSAFE_IN_LINE = /[\p{Cc}\p{Zl}\p{Zp}\u202a-\u202e\u2066-\u2069\ufeff]+/gu;

/** One line of text, no control characters, bounded (EDL comments, CSV cells). */
export function cleanReason(text: string, max: number): string {
  const flat = text.replace(UNSAFE_IN_LINE, ' ').replace(/\s+/g, ' ').trim();
  const chars = [...flat];
  return chars.length > max ? chars.slice(0, Math.max(0, max - 1)).join('') + '…' : flat;
}

const originText = (e: FeedEntry) => {
  const o = e.d.origin;
  return `${o.type}:${o.id}${o.chain?.length ? ` via ${o.chain.join('>')}` : ''}`;
};

/**
 * Entries are memoized as UTF-8 bytes and feeds assembled with Buffer.concat: a 100k-entry feed is
 * then one copy, not a join into a huge string and its re-encoding (tens of ms, and GC).
 */
const utf8 = (text: string) => Buffer.from(text, 'utf8');
const COMMA = utf8(',');

/** PAN-OS EDL / FortiGate threat feed: one address or CIDR per line, ` # reason` after it. */
function edlLine(e: FeedEntry, ctx: RenderContext): Buffer {
  if (!ctx.comments) return (e.memo.edlBare ??= utf8(`${e.d.value}\n`));
  if (e.memo.edl === undefined) {
    const reason = cleanReason(e.d.reason, ctx.reasonMaxChars);
    e.memo.edl = utf8(reason ? `${e.d.value} # ${reason}\n` : `${e.d.value}\n`);
  }
  return e.memo.edl;
}

function jsonItem(e: FeedEntry, ctx: RenderContext): Buffer {
  const d = e.d;
  return (e.memo.json ??= utf8(JSON.stringify({
    id: d.id,
    value: d.value,
    scope: d.scope,
    created: d.created,
    expires: d.expires,
    reason: cleanReason(d.reason, ctx.reasonMaxChars),
    origin: d.origin,
    score: d.score,
    confidence: d.confidence,
    tlp: d.tlp,
  })));
}

/** RFC 4180 cell; a leading = + - @ is defused so spreadsheets never run it as a formula. */
export function csvCell(text: string): string {
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

const CSV_HEADER = 'value,scope,expires,reason,origin,score,confidence,tlp,id';
function csvRow(e: FeedEntry, ctx: RenderContext): Buffer {
  const d = e.d;
  return (e.memo.csv ??= utf8([d.value, d.scope, d.expires, cleanReason(d.reason, ctx.reasonMaxChars), originText(e), String(d.score), String(d.confidence), d.tlp, d.id].map(csvCell).join(',') + '\r\n'));
}

/** Fixed creation time of jurisdiction identities, so re-rendering never changes them. */
const IDENTITY_TIME = '2024-01-01T00:00:00.000Z';

function stixIndicator(e: FeedEntry): Buffer {
  const d = e.d;
  return (e.memo.stix ??= utf8(JSON.stringify({
    type: 'indicator',
    spec_version: '2.1',
    id: indicatorId(d),
    created: d.created,
    modified: d.ended ? d.ended.at : d.created,
    created_by_ref: identityId(d.jurisdiction),
    name: `Blocked ${d.scope === 'ip' ? 'address' : 'network'} ${d.value}`,
    description: cleanReason(d.reason, 1000),
    indicator_types: ['malicious-activity'],
    pattern: stixPattern(d.value),
    pattern_type: 'stix',
    pattern_version: '2.1',
    valid_from: d.created,
    valid_until: d.expires,
    confidence: d.confidence,
    revoked: !!d.ended,
    object_marking_refs: [TLP_MARKING_IDS[d.tlp]],
  })));
}

/** head, the parts separated by `sep`, tail: one allocation. */
function assemble(head: string, parts: Buffer[], sep: Buffer | null, tail: string): Buffer {
  const list: Buffer[] = [utf8(head)];
  parts.forEach((p, i) => {
    if (sep && i) list.push(sep);
    list.push(p);
  });
  list.push(utf8(tail));
  return Buffer.concat(list);
}

/** A feed's text (tests, small feeds); FeedCache uses renderBytes. */
export function render(format: FeedFormat, ctx: RenderContext): string {
  return renderBytes(format, ctx).toString('utf8');
}

export function renderBytes(format: FeedFormat, ctx: RenderContext): Buffer {
  switch (format) {
    case 'edl':
      return assemble('', ctx.active.map((e) => edlLine(e, ctx)), null, '');
    case 'json':
      return assemble(`{"jurisdiction":${JSON.stringify(ctx.jurisdiction.id)},"count":${ctx.active.length},"items":[`, ctx.active.map((e) => jsonItem(e, ctx)), COMMA, ']}');
    case 'csv':
      return assemble(`${CSV_HEADER}\r\n`, ctx.active.map((e) => csvRow(e, ctx)), null, '');
    case 'stix': {
      const identity = JSON.stringify({
        type: 'identity',
        spec_version: '2.1',
        id: identityId(ctx.jurisdiction.id),
        created: IDENTITY_TIME,
        modified: IDENTITY_TIME,
        name: ctx.jurisdiction.name,
        identity_class: 'organization',
      });
      const used = new Set<Tlp>();
      for (const e of ctx.active) used.add(e.d.tlp);
      for (const e of ctx.revoked) used.add(e.d.tlp);
      // The marking definitions referenced, in a fixed order: same content, same bytes.
      const markings = Tlp.options.filter((t) => used.has(t)).map((t) => JSON.stringify(TLP_MARKING_DEFINITIONS[t]));
      const objects = [utf8(identity), ...markings.map(utf8), ...ctx.active.map(stixIndicator), ...ctx.revoked.map(stixIndicator)];
      // The bundle id follows the content, so the same content is the same bytes everywhere. An
      // indicator is a function of its decision (immutable but for its end), so the decision ids
      // and ends stand for the objects: hashing them is ~100× less work than hashing the text.
      const content = [ctx.jurisdiction.id, ctx.jurisdiction.name, ctx.active.map((e) => e.d.id).join(','), ctx.revoked.map((e) => `${e.d.id}@${e.d.ended?.at ?? ''}`).join(',')].join('\n');
      const bundleId = `bundle--${uuidv5(GWANJE_STIX_NAMESPACE, 'bundle:' + createHash('sha256').update(content).digest('hex'))}`;
      return assemble(`{"type":"bundle","id":"${bundleId}","objects":[`, objects, COMMA, ']}');
    }
  }
}
