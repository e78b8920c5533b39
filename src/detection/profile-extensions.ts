import { DecisionsService } from '../blocklist/decisions.service';
import { viewOf } from '../blocklist/decisions.schemas';
import { SharingService } from '../sharing/sharing.service';
import type { IpProfileExtension } from './threat-views.service';

/** Decisions shown in a profile: the newest, enough to see an IP's history without paging. */
const MAX_DECISIONS = 20;

/**
 * Sections other domains add to GET /v1/ips/:ip, each answered only from the jurisdictions the
 * reader sees: `decisions` (block decisions on exactly this IP) and `shares` (what other
 * jurisdictions shared about it with the reader's, and what the reader's shared). A domain missing
 * from the app adds nothing.
 */
export function profileExtensions(decisions?: DecisionsService | null, sharing?: SharingService | null): IpProfileExtension[] {
  const out: IpProfileExtension[] = [];
  if (decisions)
    out.push({
      name: 'decisions',
      async describe(ip, jurisdictions) {
        if (!jurisdictions.length) return [];
        const page = await decisions.list(jurisdictions, { value: ip, limit: MAX_DECISIONS });
        return page.items.map((d) => viewOf(d));
      },
    });
  if (sharing)
    out.push({
      name: 'shares',
      describe: (ip, jurisdictions) => (jurisdictions.length ? sharing.profile(ip, jurisdictions) : Promise.resolve({ received: [], sent: [] })),
    });
  return out;
}
