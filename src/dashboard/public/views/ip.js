import { Badge, Card, columns, Contributions, html, JName, jurisdictionName, Loading, NotAvailable, Problem, ruleName, ScoreBar, Table, Time, useApi, useApp, Value } from '../lib/ui.js';
import { BlockForm, DecisionTable } from './decisions.js';

/** @typedef {import('../lib/api.js').Reply<'get', '/v1/ips/{ip}'>} Profile */

const SEVERITY_KIND = /** @type {Record<number, string>} */ ({ 4: 'danger', 5: 'danger', 6: 'danger', 3: 'warn' });

/**
 * The federation's flag (in a partial view too: flags are federation-wide) with the score and
 * threshold it crossed, or the threshold it has not reached.
 * @param {{ p: Profile }} props
 */
function FlagStat({ p }) {
  const { i18n } = useApp();
  const { t } = i18n;
  const times = p.flag && p.flag.generation > 1 ? t('threats.flaggedTimes', { n: p.flag.generation }) : t('threats.flagged');
  return html`<div class="stat ${p.flagged ? 'warn' : ''}" data-testid="ip-flag">
    <div class="stat-value small-value">${p.flagged ? html`<${Badge} kind="danger">${times}</${Badge}>` : html`<${Badge}>${t('ip.notFlagged')}</${Badge}>`}</div>
    <div class="stat-label">${p.flag ? t('ip.flaggedAt', { time: i18n.time(p.flag.at), score: i18n.num(p.flag.score), threshold: p.threshold }) : t('ip.threshold', { threshold: p.threshold })}</div>
    ${p.view === 'partial' ? html`<div class="stat-hint muted" data-testid="ip-partial">${t(p.flagged ? 'ip.partialFlagged' : 'ip.partial')}</div>` : null}
  </div>`;
}

/**
 * The block-list's own answer (with unblock) when it is there; else what the profile carries.
 * @param {{ ip: string, fromProfile: unknown }} props
 */
function Decisions({ ip, fromProfile }) {
  const { caps } = useApp();
  const can = caps.has('GET', '/v1/decisions');
  const res = useApi(can ? '/v1/decisions' : null, { query: { value: ip, limit: 50 } });
  if (!can) return fromProfile ? html`<${Value} value=${fromProfile} />` : html`<${NotAvailable} path="/v1/decisions" />`;
  if (res.error) return html`<${Problem} error=${res.error} path="/v1/decisions" />`;
  if (!res.data) return html`<${Loading} />`;
  return html`<${DecisionTable} testid="ip-decisions" items=${res.data.items} />`;
}

/**
 * Shares of this IP: sent by my jurisdictions, and received in their inboxes.
 * @param {{ ip: string, fromProfile: unknown }} props
 */
function Shares({ ip, fromProfile }) {
  const { i18n, caps } = useApp();
  const { t } = i18n;
  const can = caps.has('GET', '/v1/shares');
  const out = useApi(can ? '/v1/shares' : null, { query: { direction: 'out', value: ip, limit: 50 } });
  const inbox = useApi(can ? '/v1/shares' : null, { query: { direction: 'in', value: ip, limit: 50 } });
  if (!can) return fromProfile ? html`<${Value} value=${fromProfile} />` : html`<${NotAvailable} path="/v1/shares" />`;
  if (out.error || inbox.error) return html`<${Problem} error=${out.error || inbox.error} path="/v1/shares" />`;
  if (!out.data || !inbox.data) return html`<${Loading} />`;
  // One path answers both directions, so each list is narrowed to its own shape.
  const sent = out.data.items.flatMap((s) => ('deliveries' in s ? [s] : []));
  const received = inbox.data.items.flatMap((e) => ('shareId' in e ? [e] : []));
  const rows = [
    ...sent.map((s) => ({
      key: `out:${s.id}`,
      dir: 'out',
      at: s.created,
      from: s.from,
      to: s.deliveries && s.deliveries.length ? s.deliveries.map((d) => `${d.jurisdiction}${d.status ? ` (${d.status})` : d.delivered ? '' : ` (${d.reason || '✕'})`}`).join(', ') : s.to.join(', '),
      tlp: s.tlp,
      status: s.status,
      reason: s.reason,
    })),
    ...received.map((e) => ({
      key: `in:${e.jurisdiction}:${e.shareId}`,
      dir: 'in',
      at: e.received,
      from: e.from,
      to: e.jurisdiction,
      tlp: e.tlp,
      status: e.state ? e.state.status : '—',
      reason: e.reason,
    })),
  ].sort((a, b) => String(b.at).localeCompare(String(a.at)));
  return html`<${Table} testid="ip-shares" ...${columns(rows, [
    { label: t('col.time'), render: (s) => html`<${Time} iso=${s.at} />` },
    { label: t('col.direction'), render: (s) => html`<${Badge} kind=${s.dir === 'in' ? 'warn' : 'neutral'}>${t(`share.${s.dir}`)}</${Badge}>` },
    { label: t('col.from'), render: (s) => html`<${JName} id=${s.from} />` },
    { label: t('col.to'), className: 'wrap', render: (s) => s.to },
    { label: t('col.tlp'), render: (s) => s.tlp },
    { label: t('col.status'), render: (s) => (i18n.has(`shareStatus.${s.status}`) ? t(`shareStatus.${s.status}`) : s.status) },
    { label: t('col.reason'), className: 'wrap', render: (s) => s.reason },
  ])} />`;
}

/** @param {{ ip: string }} props */
export function IpView({ ip }) {
  const { i18n, caps, names } = useApp();
  const { t } = i18n;
  const res = useApi('/v1/ips/{ip}', { params: { ip } });
  const p = res.data;
  const ruleNames = p ? Object.fromEntries(p.rules.map((r) => [r.id, r.name || r.id])) : {};
  // Newest first by event time (the API orders them so; kept here too, the timeline must read in order).
  const timeline = p ? [...p.recentAlerts].sort((a, b) => Date.parse(b.timestamp) - Date.parse(a.timestamp)) : [];
  const ext = (p && p.extensions) || {};
  return html`<div class="view" data-testid="ip-profile">
    <div class="view-head"><h1>${t('ip.heading', { ip })}</h1></div>
    ${res.error && res.error.status === 404 && !res.error.missing ? html`<div class="notice">${t('ip.notFound')}</div>` : html`<${Problem} error=${res.error} path="/v1/ips/{ip}" />`}
    ${res.loading && !p ? html`<${Loading} />` : null}
    ${p
      ? html`
        <div class="stats">
          <div class="stat"><div class="stat-value"><${ScoreBar} score=${p.score} /></div><div class="stat-label">${t('ip.score')}</div></div>
          <${FlagStat} p=${p} />
          <div class="stat"><div class="stat-value small-value">${i18n.country(p.country)}</div><div class="stat-label">${t('ip.location')}</div>${p.asn ? html`<div class="muted small" data-testid="ip-asn">${i18n.asn(p.asn.number)} ${p.asn.org || ''}</div>` : null}</div>
          <div class="stat" data-testid="ip-alerts"><div class="stat-value">${i18n.num(p.alertCount)}</div><div class="stat-label">${t('ip.alertCount', { n: p.alertCount })}</div></div>
          <div class="stat" data-testid="ip-seen"><div class="stat-label">${t('col.firstSeen')}</div><div class="small-value">${i18n.time(p.firstSeen)}</div><div class="stat-label">${t('col.lastSeen')}</div><div class="small-value">${i18n.time(p.lastSeen)}</div></div>
        </div>
        ${p.blockedIn.length ? html`<div class="notice warn" data-testid="ip-blocked">${t('ip.blockedIn', { where: p.blockedIn.map((j) => jurisdictionName(names, j)).join(', ') })}</div>` : null}
        ${p.allowlist && p.allowlist.allowlisted ? html`<div class="notice">${t('ip.allowlisted', { reason: p.allowlist.reason || '' })}</div>` : null}
        ${p.recurrence.past ? html`<div class="notice warn" data-testid="ip-past-blocks">${t('ip.recurrence', { n: p.recurrence.past })}</div>` : null}
        <div class="grid-2">
          <${Card} title=${t('ip.contributions')}><${Contributions} items=${p.contributions} ruleNames=${ruleNames} /></${Card}>
          <${Card} title=${t('ip.rules')}>
            <${Table} ...${columns(p.rules.map((r) => ({ ...r, key: r.id })), [
              { label: t('col.rule'), render: (r) => html`${ruleName(i18n, r.id, r.name)}<div class="muted small">${r.id}</div>` },
              { label: t('col.count'), className: 'num', render: (r) => i18n.num(r.value) },
              { label: t('col.points'), className: 'num', render: (r) => i18n.num(r.points) },
              { label: t('col.lastFired'), render: (r) => html`<${Time} iso=${r.lastFired} />` },
            ])} />
          </${Card}>
          <${Card} title=${t('ip.jurisdictions')}>
            <${Table} ...${columns(p.jurisdictionsSeen.map((j) => ({ ...j, key: j.id })), [
              { label: t('col.jurisdiction'), render: (j) => html`<${JName} id=${j.id} />` },
              { label: t('col.lastSeen'), render: (j) => html`<${Time} iso=${j.lastSeen} />` },
            ])} />
          </${Card}>
          <${Card} title=${t('ip.signatures')}>
            <${Table} testid="ip-signatures" ...${columns(p.alertsBySignature.slice(0, 15).map((s) => ({ ...s, key: s.signature })), [
              { label: t('col.signature'), className: 'wrap', render: (s) => html`<span class="signature">${s.name || s.signature}</span>` },
              { label: t('col.count'), className: 'num', render: (s) => i18n.num(s.count) },
            ])} />
          </${Card}>
        </div>
        <${Card} title=${t('ip.timeline')}>
          <${Table} testid="ip-timeline" ...${columns(timeline.map((a) => ({ ...a, key: a.id })), [
            { label: t('col.time'), render: (a) => html`<time datetime=${a.timestamp}>${i18n.time(a.timestamp)}</time>` },
            { label: t('col.jurisdiction'), render: (a) => html`<${JName} id=${a.jurisdiction} />` },
            { label: t('col.signature'), className: 'wrap', render: (a) => html`<span class="signature">${a.rule.name || a.rule.id || '—'}</span>` },
            { label: t('col.destination'), render: (a) => html`<code>${a.destination.ip || '?'}${a.destination.port !== null ? `:${a.destination.port}` : ''}</code>` },
            { label: t('col.severity'), render: (a) => html`<${Badge} kind=${SEVERITY_KIND[a.severity.id] || 'neutral'}>${t(`severity.${a.severity.id}`)}</${Badge}>` },
            { label: t('col.action'), render: (a) => t(`action.${a.action.value}`) },
          ])} />
        </${Card}>`
      : null}
    <${Card} title=${t('ip.decisions')}>
      <${Decisions} ip=${ip} fromProfile=${ext.decisions} />
      ${caps.has('POST', '/v1/decisions') ? html`<details class="block-details"><summary>${t('ip.block')}</summary><${BlockForm} value=${ip} compact /></details>` : null}
    </${Card}>
    <${Card} title=${t('ip.shares')}><${Shares} ip=${ip} fromProfile=${ext.shares} /></${Card}>
  </div>`;
}
