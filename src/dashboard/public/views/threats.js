import { useState } from 'preact/hooks';
import { Badge, Card, Contributions, html, IpLink, JName, Loading, Problem, ScoreBar, Table, Time, useApi, useApp } from '../lib/ui.js';

export function ThreatsView() {
  const { i18n, scope } = useApp();
  const { t } = i18n;
  const [minScore, setMinScore] = useState(1);
  const q = new URLSearchParams({ min_score: String(minScore), limit: '100' });
  if (scope) q.set('jurisdiction', scope);
  const res = useApi(`/v1/threats?${q}`);
  const items = res.data ? res.data.items : [];
  return html`<div class="view" data-testid="threats">
    <div class="view-head">
      <h1>${t('threats.heading')}</h1>
      <label class="inline">${t('threats.minScore')}
        <select value=${String(minScore)} onChange=${(e) => setMinScore(Number(e.currentTarget.value))}>
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
          <${Table} testid="threats-table" rows=${items.map((x) => ({ ...x, key: x.ip }))} columns=${[
            { label: t('col.ip'), render: (x) => html`<${IpLink} ip=${x.ip} />` },
            { label: t('col.score'), render: (x) => html`<${ScoreBar} score=${x.score} />` },
            {
              label: t('col.flagged'),
              render: (x) => (x.flagged ? html`<${Badge} kind="danger">${t('threats.flagged')}</${Badge}>` : x.view === 'partial' ? html`<${Badge}>${t('threats.partial')}</${Badge}>` : null),
            },
            { label: t('col.reasons'), render: (x) => html`<${Contributions} items=${x.contributions} compact />` },
            { label: t('col.country'), render: (x) => html`${i18n.country(x.country)}${x.asn ? html`<div class="muted small">AS${x.asn.number} ${x.asn.org || ''}</div>` : null}` },
            { label: t('col.alerts'), className: 'num', render: (x) => i18n.num(x.alertCount) },
            { label: t('col.jurisdiction'), render: (x) => x.jurisdictions.map((j, i) => html`${i ? ', ' : ''}<${JName} id=${j} />`) },
            { label: t('col.lastSeen'), render: (x) => html`<${Time} iso=${x.lastSeen} />` },
          ]} />
        </${Card}>`
      : null}
  </div>`;
}

export function IpSearch() {
  const { i18n } = useApp();
  const [ip, setIp] = useState('');
  const go = (e) => {
    e.preventDefault();
    const v = ip.trim();
    if (v) location.hash = `#/ip/${encodeURIComponent(v)}`;
  };
  return html`<form class="inline-form" onSubmit=${go}>
    <label class="inline">${i18n.t('ip.search')}
      <input type="text" inputmode="text" placeholder="203.0.113.5" value=${ip} onInput=${(e) => setIp(e.currentTarget.value)} data-testid="ip-search" />
    </label>
    <button type="submit" class="secondary">${i18n.t('ip.go')}</button>
  </form>`;
}
