import { useState } from 'preact/hooks';
import { Badge, Card, columns, Contributions, html, IpLink, JName, jurisdictionName, Loading, onValue, Problem, ScoreBar, Table, Time, useApi, useApp } from '../lib/ui.js';

/** @typedef {import('../lib/api.js').Reply<'get', '/v1/threats'>['items'][number]} Threat */

/**
 * The federation's flag and the blocks the reader can see; a partial view (the IP was also
 * reported by jurisdictions the key does not see) says so, its score counting only the visible ones.
 * @param {{ x: Threat }} props
 */
export function FlagBadges({ x }) {
  const { i18n, names } = useApp();
  const { t } = i18n;
  return html`<span class="flag-badges" data-testid="flag-state">
    ${x.flagged ? html`<${Badge} kind="danger">${x.flag && x.flag.generation > 1 ? t('threats.flaggedTimes', { n: x.flag.generation }) : t('threats.flagged')}</${Badge}>` : null}
    ${x.blockedIn.length ? html` <${Badge} kind="warn">${t('threats.blockedIn', { where: x.blockedIn.map((j) => jurisdictionName(names, j)).join(', ') })}</${Badge}>` : null}
    ${x.view === 'partial' ? html` <span class="muted small" title=${t('threats.partialHelp')}>${t('threats.partial')}</span>` : null}
    ${!x.flagged && !x.blockedIn.length && x.view !== 'partial' ? html`<span class="muted">${t('threats.notFlagged')}</span>` : null}
  </span>`;
}

const PAGE_SIZES = [10, 25, 50, 100];

/**
 * Scored source IPs, flagged ones by default (`#/threats/all` shows every scored IP), a page at a
 * time with the total.
 * @param {{ filter?: string | null }} props
 */
export function ThreatsView({ filter }) {
  const { i18n, scope } = useApp();
  const { t } = i18n;
  const flaggedOnly = filter !== 'all';
  const [minScore, setMinScore] = useState(1);
  const [offset, setOffset] = useState(0);
  const [size, setSize] = useState(25);
  const res = useApi('/v1/threats', { query: { min_score: minScore, limit: size, offset, flagged: flaggedOnly ? 'true' : undefined, jurisdiction: scope || undefined } });
  const d = res.data;
  const items = d ? d.items : [];
  /** @param {boolean} on */
  const setFlagged = (on) => {
    setOffset(0);
    location.hash = on ? '#/threats/flagged' : '#/threats/all';
  };
  const last = d ? Math.min(d.offset + d.items.length, d.total) : 0;
  return html`<div class="view" data-testid="threats">
    <div class="view-head">
      <h1>${t('threats.heading')}</h1>
      <div class="filters">
        <div class="segmented" role="group" aria-label=${t('threats.filter')} data-testid="threats-filter">
          <button type="button" class=${flaggedOnly ? 'on' : ''} aria-pressed=${flaggedOnly} data-testid="filter-flagged" onClick=${() => setFlagged(true)}>${t('threats.onlyFlagged')}</button>
          <button type="button" class=${!flaggedOnly ? 'on' : ''} aria-pressed=${!flaggedOnly} data-testid="filter-all" onClick=${() => setFlagged(false)}>${t('threats.allScored')}</button>
        </div>
        <label class="inline">${t('threats.minScore')}
          <select value=${String(minScore)} data-testid="min-score" onChange=${onValue((v) => (setOffset(0), setMinScore(Number(v))))}>
            ${[1, 20, 40, 60, 80].map((s) => html`<option value=${String(s)}>${s}</option>`)}
          </select>
        </label>
        <label class="inline">${t('page.size')}
          <select value=${String(size)} data-testid="page-size" onChange=${onValue((v) => (setOffset(0), setSize(Number(v))))}>
            ${PAGE_SIZES.map((n) => html`<option value=${String(n)}>${n}</option>`)}
          </select>
        </label>
      </div>
    </div>
    <p class="help">${t(flaggedOnly ? 'threats.helpFlagged' : 'threats.help')}</p>
    <${IpSearch} />
    <${Problem} error=${res.error} path="/v1/threats" />
    ${res.loading && !d ? html`<${Loading} />` : null}
    ${d
      ? html`<${Card}>
          <p class="muted small" data-testid="threats-total">${d.total
            ? t(d.totalExact ? 'threats.range' : 'threats.rangeAtLeast', { from: i18n.num(d.offset + 1), to: i18n.num(last), n: d.total })
            : t('threats.none')}</p>
          <${Table} testid="threats-table" ...${columns(items.map((x) => ({ ...x, key: x.ip })), [
            { label: t('col.ip'), render: (x) => html`<${IpLink} ip=${x.ip} />` },
            { label: t('col.score'), render: (x) => html`<${ScoreBar} score=${x.score} />` },
            { label: t('col.state'), render: (x) => html`<${FlagBadges} x=${x} />` },
            { label: t('col.reasons'), className: 'wrap', render: (x) => html`<${Contributions} items=${x.contributions} compact />` },
            { label: t('col.country'), render: (x) => html`${i18n.country(x.country)}${x.asn ? html`<div class="muted small">${i18n.asn(x.asn.number)} ${x.asn.org || ''}</div>` : null}` },
            { label: t('col.alerts'), className: 'num', render: (x) => i18n.num(x.alertCount) },
            { label: t('col.jurisdiction'), render: (x) => x.jurisdictions.map((j, i) => html`${i ? ', ' : ''}<${JName} id=${j} />`) },
            { label: t('col.firstSeen'), render: (x) => html`<${Time} iso=${x.firstSeen} />` },
            { label: t('col.lastSeen'), render: (x) => html`<${Time} iso=${x.lastSeen} />` },
          ])} />
          <div class="pager">
            <button type="button" class="secondary" data-testid="threats-prev" disabled=${d.offset === 0} onClick=${() => setOffset(Math.max(0, d.offset - size))}>${t('page.prev')}</button>
            <button type="button" class="secondary" data-testid="threats-next" disabled=${d.offset + size >= d.total} onClick=${() => setOffset(d.offset + size)}>${t('page.next')}</button>
          </div>
        </${Card}>`
      : null}
  </div>`;
}

export function IpSearch() {
  const { i18n } = useApp();
  const [ip, setIp] = useState('');
  /** @param {Event} e */
  const go = (e) => {
    e.preventDefault();
    const v = ip.trim();
    if (v) location.hash = `#/ip/${encodeURIComponent(v)}`;
  };
  return html`<form class="inline-form" onSubmit=${go}>
    <label class="inline">${i18n.t('ip.search')}
      <input type="text" inputmode="text" placeholder="203.0.113.5" value=${ip} onInput=${onValue(setIp)} data-testid="ip-search" />
    </label>
    <button type="submit" class="secondary">${i18n.t('ip.go')}</button>
  </form>`;
}
