import uPlot from 'uplot';
import { useEffect, useRef, useState } from 'preact/hooks';
import { Badge, Card, columns, html, IpLink, JName, onValue, Problem, ScoreBar, Table, Time, useApi, useApp, Loading } from '../lib/ui.js';

const WINDOWS = ['15m', '1h', '6h', '24h'];
const CHART_HEIGHT = 240;

/** A colour per severity id (0 unknown … 6 fatal), from calm to alarming. */
const SEVERITY_COLOURS = ['#8a96a3', '#6b8fb8', '#2f8f6a', '#c98a12', '#d0541b', '#b42318', '#6d0f0a'];

/**
 * Alerts per minute by event time, one labelled line per severity, with uPlot (drawn on a canvas:
 * nothing inline that the CSP would refuse). The legend is ours, in the dashboard's language.
 * @param {{ minutes: string[], series: Array<{ severity: number, label: string, counts: number[] }>, label: string, locale: string }} props
 */
function AlertsChart({ minutes, series, label, locale }) {
  const box = useRef(/** @type {HTMLDivElement | null} */ (null));
  const plot = useRef(/** @type {uPlot | null} */ (null));
  useEffect(() => {
    const el = /** @type {HTMLDivElement} */ (box.current);
    const ro = new ResizeObserver(() => plot.current && plot.current.setSize({ width: Math.max(200, el.clientWidth), height: CHART_HEIGHT }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      if (plot.current) plot.current.destroy();
      plot.current = null;
    };
  }, []);
  useEffect(() => {
    /** @type {uPlot.AlignedData} */
    const data = [minutes.map((t) => Date.parse(t) / 1000), ...series.map((s) => s.counts)];
    if (plot.current) {
      plot.current.setData(data);
      return;
    }
    const el = /** @type {HTMLDivElement} */ (box.current);
    const hm = new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit', hour12: false });
    const md = new Intl.DateTimeFormat(locale, { month: '2-digit', day: '2-digit' });
    // 24-hour clock in the dashboard's language; the date under the first tick and at midnight.
    /** @param {uPlot} _u @param {number[]} splits */
    const timeTicks = (_u, splits) =>
      splits.map((s, i) => {
        const d = new Date(s * 1000);
        return i === 0 || (d.getHours() === 0 && d.getMinutes() === 0) ? `${hm.format(d)}\n${md.format(d)}` : hm.format(d);
      });
    plot.current = new uPlot(
      {
        width: Math.max(200, el.clientWidth),
        height: CHART_HEIGHT,
        legend: { show: false },
        cursor: { drag: { x: false, y: false } },
        scales: { y: { range: (_u, _min, max) => [0, Math.max(5, Math.ceil(max * 1.15))] } },
        axes: [
          { stroke: '#51606f', grid: { stroke: '#e6eaef' }, ticks: { stroke: '#e6eaef' }, values: timeTicks },
          { stroke: '#51606f', grid: { stroke: '#e6eaef' }, ticks: { stroke: '#e6eaef' }, size: 50 },
        ],
        series: [{}, ...series.map((s) => ({ label: s.label, stroke: SEVERITY_COLOURS[s.severity] || '#1d5fbf', width: 2, points: { show: false } }))],
      },
      data,
      el,
    );
  }, [minutes, series, label, locale]);
  return html`<div>
    <div class="chart" ref=${box} role="img" aria-label=${label}></div>
    <ul class="legend" data-testid="chart-legend">${series.map(
      (s) => html`<li data-severity=${s.severity}><span class="swatch sev-${s.severity}"></span>${s.label} <span class="muted">${s.counts.reduce((a, b) => a + b, 0)}</span></li>`,
    )}</ul>
  </div>`;
}

/** Well-known ports by name, so "443/tcp" reads "HTTPS". */
const SERVICES = /** @type {Record<number, string>} */ ({ 21: 'FTP', 22: 'SSH', 23: 'Telnet', 25: 'SMTP', 53: 'DNS', 80: 'HTTP', 110: 'POP3', 143: 'IMAP', 389: 'LDAP', 443: 'HTTPS', 445: 'SMB', 1433: 'MS SQL', 1521: 'Oracle', 3306: 'MySQL', 3389: 'RDP', 5432: 'PostgreSQL', 5900: 'VNC', 6379: 'Redis', 8080: 'HTTP (8080)', 8443: 'HTTPS (8443)' });

/** @param {{ label: string, value: unknown, hint?: string, href?: string, testid: string, tone?: string }} props */
function Stat({ label, value, hint, href, testid, tone = '' }) {
  const body = html`<div class="stat-value">${value}</div><div class="stat-label">${label}</div>${hint ? html`<div class="stat-hint muted">${hint}</div>` : null}`;
  return href
    ? html`<a class="stat ${tone}" href=${href} data-testid=${testid}>${body}</a>`
    : html`<div class="stat ${tone}" data-testid=${testid}>${body}</div>`;
}

export function OverviewView() {
  const { i18n, scope, caps } = useApp();
  const { t } = i18n;
  const [win, setWin] = useState('1h');
  const ov = useApi('/v1/overview', { query: { window: win, jurisdiction: scope || undefined } });
  const d = ov.data;
  // Until the approvals service reports a count to the overview, count the pending list here.
  const countHere = d && d.pendingApprovals === null && caps.has('GET', '/v1/approvals');
  const pending = useApi(countHere ? '/v1/approvals' : null, { query: { status: 'pending' } });
  const pendingCount = d ? (d.pendingApprovals ?? (pending.data ? pending.data.items.length : null)) : null;
  const unavailable = html`<span class="muted small">${t('card.unavailable')}</span>`;
  // The last complete minute (the current one is still filling).
  const pm = d ? d.alerts.perMinute : [];
  const lastMinute = pm.length > 1 ? pm[pm.length - 2].count : pm.length ? pm[0].count : 0;
  const ev = d ? d.alerts.byEventTime : { minutes: [], series: [], outside: 0 };

  return html`<div class="view" data-testid="overview">
    <div class="view-head">
      <h1>${t('overview.heading')}</h1>
      <label class="inline">${t('overview.window')}
        <select value=${win} onChange=${onValue(setWin)} data-testid="window">
          ${WINDOWS.map((w) => html`<option value=${w}>${t(`window.${w}`)}</option>`)}
        </select>
      </label>
    </div>
    <${Problem} error=${ov.error} path="/v1/overview" />
    ${!d ? (ov.loading ? html`<${Loading} />` : null) : html`
      <div class="stats">
        <${Stat} testid="stat-alerts" label=${t('card.alerts')} value=${i18n.num(d.alerts.total)} hint=${t(`window.${win}`)} />
        <${Stat} testid="stat-rate" label=${t('card.alertsPerMin')} value=${i18n.num(lastMinute)} />
        <${Stat} testid="stat-flagged" tone=${d.flagged && d.flagged.total ? 'warn' : ''} label=${t('card.flagged')} value=${d.flagged ? i18n.num(d.flagged.total) : unavailable} hint=${t('card.flaggedHint')} href="#/threats/flagged" />
        <${Stat} testid="stat-decisions" label=${t('card.decisions')} value=${d.activeDecisions ? i18n.num(d.activeDecisions.total) : unavailable} href="#/decisions" />
        <${Stat} testid="stat-approvals" tone=${pendingCount ? 'warn' : ''} label=${t('card.approvals')} value=${pendingCount === null ? unavailable : i18n.num(pendingCount)} href="#/approvals" />
      </div>
      <${Card} title=${t('chart.title')} actions=${html`<span class="muted small">${t('chart.byEventTime')}</span>`}>
        <${AlertsChart}
          key=${`${i18n.lang}|${ev.series.map((s) => s.severity).join(',')}`}
          minutes=${ev.minutes}
          series=${ev.series.map((s) => ({ ...s, label: t(`severity.${s.severity}`) }))}
          label=${t('chart.title')}
          locale=${i18n.locale} />
        ${ev.outside ? html`<p class="muted small" data-testid="chart-outside">${t('chart.outside', { n: ev.outside })}</p>` : null}
        ${!d.sample.complete ? html`<p class="muted small">${t('top.sample', { n: d.sample.alerts })}</p>` : null}
      </${Card}>
      <div class="grid-2">
        <${Card} title=${t('top.flagged')}>
          ${d.flagged
            ? html`<${Table} testid="flagged-table" ...${columns(d.flagged.recent.map((f) => ({ ...f, key: f.ip })), [
                { label: t('col.ip'), render: (f) => html`<${IpLink} ip=${f.ip} />` },
                { label: t('col.score'), render: (f) => html`<${ScoreBar} score=${f.score} />` },
                { label: t('col.jurisdiction'), render: (f) => f.jurisdictions.map((j, i) => html`${i ? ', ' : ''}<${JName} id=${j} />`) },
                { label: t('col.time'), render: (f) => html`<${Time} iso=${f.flaggedAt} />` },
              ])} />`
            : unavailable}
        </${Card}>
        <${Card} title=${t('top.decisions')} actions=${html`<a href="#/decisions" class="small">${t('top.allDecisions')}</a>`}>
          ${d.recentDecisions
            ? html`<${Table} testid="recent-decisions" ...${columns(d.recentDecisions.map((x) => ({ ...x, key: x.id })), [
                { label: t('col.value'), render: (x) => html`<${IpLink} ip=${x.value} />` },
                { label: t('col.jurisdiction'), render: (x) => html`<${JName} id=${x.jurisdiction} />` },
                { label: t('col.status'), render: (x) => html`<${Badge} kind=${x.status === 'active' ? 'danger' : 'neutral'}>${t(`status.${x.status}`)}</${Badge}>` },
                { label: t('col.origin'), render: (x) => t(`origin.${x.origin}`) },
                { label: t('col.created'), render: (x) => html`<${Time} iso=${x.created} />` },
              ])} />`
            : unavailable}
        </${Card}>
        <${Card} title=${t('top.hosts')}>
          <${Table} testid="target-hosts" ...${columns(d.targets.hosts.map((x) => ({ ...x, key: x.ip })), [
            { label: t('col.host'), render: (x) => html`<code>${x.ip}</code>` },
            { label: t('col.count'), className: 'num', render: (x) => i18n.num(x.count) },
          ])} />
        </${Card}>
        <${Card} title=${t('top.services')}>
          <${Table} testid="target-services" ...${columns(d.targets.services.map((x) => ({ ...x, key: `${x.port}/${x.transport}` })), [
            { label: t('col.service'), render: (x) => html`<strong>${SERVICES[x.port] || t('service.port', { port: x.port })}</strong> <span class="muted small">${x.port}${x.transport ? `/${x.transport.toLowerCase()}` : ''}</span>` },
            { label: t('col.count'), className: 'num', render: (x) => i18n.num(x.count) },
          ])} />
        </${Card}>
        <${Card} title=${t('top.rules')} actions=${html`<span class="muted small">${t('top.sample', { n: d.sample.alerts })}</span>`}>
          <${Table} testid="rules-table" ...${columns(d.topRules, [
            { label: t('col.rule'), render: (r) => html`<span>${r.name || r.id || t('unknown')}</span>${r.id && r.name ? html` <span class="muted small">${r.id}</span>` : null}` },
            { label: t('col.count'), className: 'num', render: (r) => i18n.num(r.count) },
          ])} />
        </${Card}>
        <${Card} title=${t('top.countries')}>
          ${d.topCountries
            ? html`<${Table} ...${columns(d.topCountries, [
                { label: t('col.country'), render: (c) => i18n.country(c.country) },
                { label: t('col.count'), className: 'num', render: (c) => i18n.num(c.count) },
              ])} />`
            : unavailable}
        </${Card}>
        <${Card} title=${t('byJurisdiction')}>
          <${Table} ...${columns(d.jurisdictions.map((j) => ({ key: j, j })), [
            { label: t('col.jurisdiction'), render: (r) => html`<${JName} id=${r.j} />` },
            { label: t('col.alerts'), className: 'num', render: (r) => i18n.num(d.alerts.byJurisdiction[r.j] ?? 0) },
            { label: t('col.decisions'), className: 'num', render: (r) => (d.activeDecisions ? i18n.num(d.activeDecisions.byJurisdiction[r.j] ?? 0) : '—') },
          ])} />
        </${Card}>
      </div>`}
  </div>`;
}
