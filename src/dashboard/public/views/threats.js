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
  </span>`;
}

export function ThreatsView() {
  const { i18n, scope } = useApp();
  const { t } = i18n;
  const [minScore, setMinScore] = useState(1);
  const res = useApi('/v1/threats', { query: { min_score: minScore, limit: 100, jurisdiction: scope || undefined } });
  const items = res.data ? res.data.items : [];
  return html`<div class="view" data-testid="threats">
    <div class="view-head">
      <h1>${t('threats.heading')}</h1>
      <label class="inline">${t('threats.minScore')}
        <select value=${String(minScore)} onChange=${onValue((v) => setMinScore(Number(v)))}>
          ${[1, 20, 40, 60, 80].map((s) => html`<option value=${String(s)}>${s}</option>`)}
        </select>
      </label>
    </div>
    <p class="help">${t('threats.help')}</p>
    <${IpSearch} />
    <${Problem} error=${res.error} path="/v1/threats" />
    ${res.loading && !res.data ? html`<${Loading} />` : null}
    ${res.data
      ? html`<${Card}>
          <${Table} testid="threats-table" ...${columns(items.map((x) => ({ ...x, key: x.ip })), [
            { label: t('col.ip'), render: (x) => html`<${IpLink} ip=${x.ip} />` },
            { label: t('col.score'), render: (x) => html`<${ScoreBar} score=${x.score} />` },
            { label: t('col.flagged'), render: (x) => html`<${FlagBadges} x=${x} />` },
            { label: t('col.reasons'), render: (x) => html`<${Contributions} items=${x.contributions} compact />` },
            { label: t('col.country'), render: (x) => html`${i18n.country(x.country)}${x.asn ? html`<div class="muted small">AS${x.asn.number} ${x.asn.org || ''}</div>` : null}` },
            { label: t('col.alerts'), className: 'num', render: (x) => i18n.num(x.alertCount) },
            { label: t('col.jurisdiction'), render: (x) => x.jurisdictions.map((j, i) => html`${i ? ', ' : ''}<${JName} id=${j} />`) },
            { label: t('col.lastSeen'), render: (x) => html`<${Time} iso=${x.lastSeen} />` },
          ])} />
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
