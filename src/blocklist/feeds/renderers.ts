import { TLP_MARKING_IDS } from '../tlp';
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

/** One line of text, no control characters, bounded (EDL comments, CSV cells). */
export function cleanReason(text: string, max: number): string {
  const flat = text.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ').replace(/\s+/g, ' ').trim();
  const chars = [...flat];
  return chars.length > max ? chars.slice(0, Math.max(0, max - 1)).join('') + '…' : flat;
}

const originText = (e: FeedEntry) => {
  const o = e.d.origin;
  return `${o.type}:${o.id}${o.chain?.length ? ` via ${o.chain.join('>')}` : ''}`;
};

/** PAN-OS EDL / FortiGate threat feed: one address or CIDR per line, ` # reason` after it. */
function edlLine(e: FeedEntry, ctx: RenderContext): string {
  if (!ctx.comments) return (e.memo.edlBare ??= e.d.value);
  if (e.memo.edl === undefined) {
    const reason = cleanReason(e.d.reason, ctx.reasonMaxChars);
    e.memo.edl = reason ? `${e.d.value} # ${reason}` : e.d.value;
  }
  return e.memo.edl;
}

function jsonItem(e: FeedEntry, ctx: RenderContext): string {
  const d = e.d;
  return (e.memo.json ??= JSON.stringify({
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
  }));
}

/** RFC 4180 cell; a leading = + - @ is defused so spreadsheets never run it as a formula. */
export function csvCell(text: string): string {
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

const CSV_HEADER = 'value,scope,expires,reason,origin,score,confidence,tlp,id';
function csvRow(e: FeedEntry, ctx: RenderContext): string {
  const d = e.d;
  return (e.memo.csv ??= [d.value, d.scope, d.expires, cleanReason(d.reason, ctx.reasonMaxChars), originText(e), String(d.score), String(d.confidence), d.tlp, d.id].map(csvCell).join(','));
}

/** Fixed creation time of jurisdiction identities, so re-rendering never changes them. */
const IDENTITY_TIME = '2024-01-01T00:00:00.000Z';

function stixIndicator(e: FeedEntry, ctx: RenderContext): string {
  const d = e.d;
  return (e.memo.stix ??= JSON.stringify({
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
  }));
}

export function render(format: FeedFormat, ctx: RenderContext): string {
  switch (format) {
    case 'edl': {
      const lines = ctx.active.map((e) => edlLine(e, ctx));
      return lines.length ? lines.join('\n') + '\n' : '';
    }
    case 'json':
      return `{"jurisdiction":${JSON.stringify(ctx.jurisdiction.id)},"count":${ctx.active.length},"items":[${ctx.active.map((e) => jsonItem(e, ctx)).join(',')}]}`;
    case 'csv':
      return [CSV_HEADER, ...ctx.active.map((e) => csvRow(e, ctx))].join('\r\n') + '\r\n';
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
      const objects = [identity, ...ctx.active.map((e) => stixIndicator(e, ctx)), ...ctx.revoked.map((e) => stixIndicator(e, ctx))].join(',');
      // The bundle id follows the content, so the same content is the same bytes everywhere.
      const bundleId = `bundle--${uuidv5(GWANJE_STIX_NAMESPACE, 'bundle:' + createHash('sha256').update(objects).digest('hex'))}`;
      return `{"type":"bundle","id":"${bundleId}","objects":[${objects}]}`;
    }
  }
}
