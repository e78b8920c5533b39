import { useState } from 'preact/hooks';
import { Badge, Card, columns, ErrorText, html, IpLink, JName, Loading, NotAvailable, onValue, Problem, Table, Time, useAction, useApi, useApp } from '../lib/ui.js';

/** @typedef {import('../lib/api.js').Reply<'get', '/v1/decisions'>} DecisionPage */
/** @typedef {DecisionPage['items'][number]} Decision */

const STATUS_KIND = /** @type {Record<string, string>} */ ({ active: 'danger', expired: 'neutral', ended: 'ok' });

/**
 * Unblock with a mandatory reason, inline.
 * @param {{ d: Decision, onDone?: () => void }} props
 */
function Unblock({ d, onDone }) {
  const { api, i18n, notify, bump } = useApp();
  const { t } = i18n;
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const [state, run] = useAction();
  if (d.status !== 'active') return null;
  if (!open) return html`<button type="button" class="danger small" data-testid="unblock" onClick=${() => setOpen(true)}>${t('decisions.unblock')}</button>`;
  /** @param {Event} e */
  const submit = async (e) => {
    e.preventDefault();
    const r = await run(() => api.del('/v1/decisions/{id}', { reason: reason.trim() }, { params: { id: d.id } }));
    if (r) {
      notify(t('decisions.unblocked', { value: d.value }), 'ok');
      setOpen(false);
      bump();
      onDone && onDone();
    }
  };
  return html`<form class="unblock-form" onSubmit=${submit}>
    <input type="text" required minlength="1" maxlength="1000" placeholder=${t('decisions.unblockReason')} aria-label=${t('decisions.unblockReason')} value=${reason} onInput=${onValue(setReason)} data-testid="unblock-reason" />
    <button type="submit" class="danger small" disabled=${state.busy || !reason.trim()} data-testid="unblock-confirm">${t('decisions.unblockConfirm')}</button>
    <button type="button" class="link small" onClick=${() => setOpen(false)}>${t('cancel')}</button>
    <${ErrorText} error=${state.error} className="small" />
  </form>`;
}

/** @param {{ items: Decision[], testid?: string }} props */
export function DecisionTable({ items, testid = 'decisions-table' }) {
  const { i18n, names } = useApp();
  const { t } = i18n;
  return html`<${Table} testid=${testid} ...${columns(items.map((d) => ({ ...d, key: d.id })), [
    { label: t('col.value'), render: (d) => html`<${IpLink} ip=${d.value} />` },
    { label: t('col.status'), render: (d) => html`<${Badge} kind=${STATUS_KIND[d.status] || 'neutral'}>${t(`status.${d.status}`)}</${Badge}>` },
    { label: t('col.jurisdiction'), render: (d) => html`<${JName} id=${d.jurisdiction} />` },
    { label: t('col.origin'), render: (d) => html`${t(`origin.${d.origin.type}`)}${d.origin.chain && d.origin.chain.length ? html`<div class="muted small">${d.origin.chain.map((j) => names[j] || j).join(' → ')}</div>` : null}` },
    { label: t('col.reason'), className: 'wrap', render: (d) => html`${d.reason}${d.ended ? html`<div class="muted small">${t('status.ended')}: ${d.ended.reason}</div>` : null}` },
    { label: t('col.score'), className: 'num', render: (d) => d.score },
    { label: t('col.created'), render: (d) => html`<${Time} iso=${d.created} />` },
    { label: t('col.expires'), render: (d) => html`<${Time} iso=${d.ended ? d.ended.at : d.expires} />` },
    { label: t('col.actions'), render: (d) => html`<${Unblock} d=${d} />` },
  ])} />`;
}

/**
 * Manual block of an address or range.
 * @param {{ value?: string, compact?: boolean }} props
 */
export function BlockForm({ value: initial = '', compact = false }) {
  const { api, i18n, me, scope, notify, bump, names } = useApp();
  const { t } = i18n;
  const [value, setValue] = useState(initial);
  const [duration, setDuration] = useState('24h');
  const [reason, setReason] = useState('');
  const [jurisdiction, setJurisdiction] = useState(scope || me.key.jurisdiction);
  const [state, run] = useAction();
  /** @param {Event} e */
  const submit = async (e) => {
    e.preventDefault();
    const d = await run(() => api.post('/v1/decisions', { value: value.trim(), duration, reason: reason.trim(), jurisdiction }));
    if (d) {
      notify(t('decisions.created', { value: d.value, valueObj: `${d.value}${i18n.objectParticle(d.value)}` }), 'ok');
      setReason('');
      if (!initial) setValue('');
      bump();
    }
  };
  return html`<form class="block-form ${compact ? 'compact' : ''}" onSubmit=${submit} data-testid="block-form">
    <label>${t('decisions.value')}<input type="text" required value=${value} onInput=${onValue(setValue)} placeholder="203.0.113.5" data-testid="block-value" /></label>
    <label>${t('col.jurisdiction')}
      <select value=${jurisdiction} onChange=${onValue(setJurisdiction)} data-testid="block-jurisdiction">
        ${me.jurisdictions.map((j) => html`<option value=${j}>${names[j] || j}</option>`)}
      </select>
    </label>
    <label>${t('decisions.duration')}
      <select value=${duration} onChange=${onValue(setDuration)}>
        ${['1h', '24h', '7d', '30d'].map((x) => html`<option value=${x}>${t(`duration.${x}`)}</option>`)}
      </select>
    </label>
    <label class="grow">${t('decisions.reason')}<input type="text" required maxlength="1000" value=${reason} onInput=${onValue(setReason)} data-testid="block-reason" /></label>
    <button type="submit" class="danger" disabled=${state.busy || !value.trim() || !reason.trim()} data-testid="block-submit">${t('decisions.submit')}</button>
    <${ErrorText} error=${state.error} className="small full" />
  </form>`;
}

export function DecisionsView() {
  const { i18n, scope, caps, me, names } = useApp();
  const { t } = i18n;
  const [active, setActive] = useState(true);
  const [pages, setPages] = useState(/** @type {DecisionPage[]} */ ([]));
  /** @type {import('../lib/api-types').Query<'get', '/v1/decisions'>} */
  const query = { limit: 100, active: active ? 'true' : undefined, jurisdiction: scope || undefined };
  const res = useApi(caps.has('GET', '/v1/decisions') ? '/v1/decisions' : null, { query });
  const { api } = useApp();
  const [more, loadMore] = useAction();
  if (!caps.has('GET', '/v1/decisions')) return html`<div class="view" data-testid="decisions"><h1>${t('decisions.heading')}</h1><${NotAvailable} path="/v1/decisions" /></div>`;
  const first = res.data;
  const items = first ? [...first.items, ...pages.flatMap((p) => p.items)] : [];
  const next = pages.length ? pages[pages.length - 1].next : first && first.next;
  const feedJ = scope || me.key.jurisdiction;
  return html`<div class="view" data-testid="decisions">
    <div class="view-head">
      <h1>${t('decisions.heading')}</h1>
      <div class="segmented" role="group">
        <button type="button" class=${active ? 'on' : ''} aria-pressed=${active} onClick=${() => (setActive(true), setPages([]))}>${t('decisions.activeOnly')}</button>
        <button type="button" class=${!active ? 'on' : ''} aria-pressed=${!active} onClick=${() => (setActive(false), setPages([]))}>${t('decisions.all')}</button>
      </div>
    </div>
    <p class="help">${t('decisions.help')}</p>
    ${caps.has('POST', '/v1/decisions') ? html`<${Card} title=${t('decisions.manual')}><${BlockForm} /></${Card}>` : null}
    <${Problem} error=${res.error} path="/v1/decisions" />
    ${res.loading && !first ? html`<${Loading} />` : null}
    ${first
      ? html`<${Card}>
          <${DecisionTable} items=${items} />
          ${next ? html`<button type="button" class="secondary" disabled=${more.busy} onClick=${() => loadMore(async () => { const p = await api.get('/v1/decisions', { query: { ...query, cursor: next } }); setPages([...pages, p]); })}>${t('more')}</button>` : null}
        </${Card}>`
      : null}
    ${caps.has('GET', '/v1/feeds/{jurisdiction}/edl.txt')
      ? html`<${Card} title=${t('decisions.feed')}>
          <p><code data-testid="edl-url">${location.origin}/v1/feeds/${feedJ}/edl.txt</code> <span class="muted">(${names[feedJ] || feedJ})</span></p>
          <p class="muted small">${t('decisions.feedHelp')}</p>
        </${Card}>`
      : null}
  </div>`;
}
