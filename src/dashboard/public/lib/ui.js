import { h, createContext } from 'preact';
import { useContext, useEffect, useRef, useState } from 'preact/hooks';
import htm from 'htm';

export const html = htm.bind(h);

/** { api, caps, i18n, tick, scope, names, me, notify, bump } for every screen. */
export const AppContext = createContext(null);
export const useApp = () => useContext(AppContext);

/**
 * GET `path` (null: nothing) and again on every live tick. Keeps the last good data while a
 * refresh is in flight or fails, so the screen does not flicker.
 */
export function useApi(path, { live = true } = {}) {
  const { api, tick } = useApp();
  const [state, setState] = useState({ path, data: null, error: null, loading: !!path, at: null });
  const current = state.path === path ? state : { path, data: null, error: null, loading: !!path, at: null };
  const seq = useRef(0);
  useEffect(() => {
    if (!path) return;
    const mine = ++seq.current;
    api.get(path).then(
      (data) => mine === seq.current && setState({ path, data, error: null, loading: false, at: new Date().toISOString() }),
      (error) => mine === seq.current && setState((s) => ({ path, data: s.path === path ? s.data : null, error, loading: false, at: s.at })),
    );
  }, [path, live ? tick : 0]);
  return current;
}

export function Loading() {
  const { i18n } = useApp();
  return html`<p class="muted" role="status">${i18n.t('loading')}</p>`;
}

/** An error box; a missing endpoint (module not installed) reads "not available", not an error. */
export function Problem({ error, path }) {
  const { i18n } = useApp();
  if (!error) return null;
  if (error.missing)
    return html`<div class="notice not-available" data-testid="not-available"><strong>${i18n.t('notAvailable')}</strong> <span class="muted">${i18n.t('notAvailable.detail', { path: path || error.path })}</span></div>`;
  return html`<div class="notice error" role="alert">${i18n.t('error', { detail: error.message })}</div>`;
}

export function NotAvailable({ path }) {
  const { i18n } = useApp();
  return html`<div class="notice not-available" data-testid="not-available"><strong>${i18n.t('notAvailable')}</strong> <span class="muted">${i18n.t('notAvailable.detail', { path })}</span></div>`;
}

export function Empty() {
  const { i18n } = useApp();
  return html`<p class="muted empty">${i18n.t('empty')}</p>`;
}

/** 0–100 as a coloured bar with the number. */
export function ScoreBar({ score }) {
  const s = Math.max(0, Math.min(100, Number(score) || 0));
  const level = s >= 60 ? 'high' : s >= 30 ? 'mid' : 'low';
  return html`<span class="score ${level}" title=${String(s)}><span class="score-bar"><span class="score-fill" style=${{ width: `${s}%` }}></span></span><b>${s.toFixed(s % 1 ? 1 : 0)}</b></span>`;
}

export function Badge({ kind = 'neutral', children }) {
  return html`<span class="badge ${kind}">${children}</span>`;
}

export function Card({ title, children, actions, className = '' }) {
  return html`<section class="card ${className}">
    ${title || actions ? html`<header class="card-head"><h2>${title}</h2>${actions ? html`<div class="card-actions">${actions}</div>` : null}</header>` : null}
    ${children}
  </section>`;
}

export function Time({ iso }) {
  const { i18n } = useApp();
  if (!iso) return html`<span class="muted">—</span>`;
  return html`<time datetime=${iso} title=${i18n.time(iso)}>${i18n.ago(iso)}</time>`;
}

export const jurisdictionName = (names, id) => (names && names[id] ? names[id] : id);

export function JName({ id }) {
  const { names } = useApp();
  return html`<span title=${id}>${jurisdictionName(names, id)}</span>`;
}

const isIp = (v) => typeof v === 'string' && /^(\d{1,3}(\.\d{1,3}){3}|[0-9a-f:]+:[0-9a-f:.]*)$/i.test(v);

/** An IP links to its profile. */
export function IpLink({ ip }) {
  if (!isIp(ip)) return html`<code>${ip}</code>`;
  return html`<a class="ip" href=${`#/ip/${encodeURIComponent(ip)}`}><code>${ip}</code></a>`;
}

/** Any JSON value as readable nested definition lists (approval changes and evidence). */
export function Value({ value, depth = 0 }) {
  const { i18n } = useApp();
  if (value === null || value === undefined) return html`<span class="muted">—</span>`;
  if (typeof value === 'boolean') return html`<span>${value ? i18n.t('yes') : i18n.t('no')}</span>`;
  if (typeof value === 'number') return html`<span>${i18n.num(value)}</span>`;
  if (typeof value === 'string') {
    if (isIp(value)) return html`<${IpLink} ip=${value} />`;
    if (/^\d{4}-\d\d-\d\dT\d\d:\d\d/.test(value)) return html`<span title=${value}>${i18n.time(value)}</span>`;
    return html`<span class="pre">${value}</span>`;
  }
  if (Array.isArray(value)) {
    if (!value.length) return html`<span class="muted">${i18n.t('none')}</span>`;
    if (value.every((v) => v === null || typeof v !== 'object')) return html`<span>${value.map((v, i) => html`${i ? ', ' : ''}<${Value} value=${v} depth=${depth + 1} />`)}</span>`;
    return html`<ol class="value-list">${value.slice(0, 50).map((v) => html`<li><${Value} value=${v} depth=${depth + 1} /></li>`)}</ol>`;
  }
  if (depth > 4) return html`<code>${JSON.stringify(value)}</code>`;
  const entries = Object.entries(value);
  if (!entries.length) return html`<span class="muted">${i18n.t('none')}</span>`;
  return html`<dl class="kv">${entries.map(([k, v]) => html`<dt>${k}</dt><dd><${Value} value=${v} depth=${depth + 1} /></dd>`)}</dl>`;
}

/** Human label of a score contribution factor (the server's detail stays as the precise text). */
export function factorLabel(i18n, factor, ruleNames = {}) {
  if (factor.startsWith('rule:')) {
    const id = factor.slice(5);
    return i18n.t('factor.rule', { name: ruleNames[id] || id });
  }
  const key = `factor.${factor}`;
  const text = i18n.t(key);
  return text === key ? factor : text;
}

export function Contributions({ items, ruleNames, compact = false }) {
  const { i18n } = useApp();
  if (!items || !items.length) return html`<span class="muted">${i18n.t('none')}</span>`;
  const shown = compact ? items.slice(0, 3) : items;
  return html`<ul class="contribs ${compact ? 'compact' : ''}">
    ${shown.map(
      (c) => html`<li>
        <span class="points ${c.points < 0 ? 'neg' : ''}">${c.points > 0 ? '+' : ''}${c.points}</span>
        <span class="factor">${factorLabel(i18n, c.factor, ruleNames)}</span>
        ${compact ? null : html`<span class="detail muted">${c.detail}</span>`}
      </li>`,
    )}
    ${compact && items.length > 3 ? html`<li class="muted">+${items.length - 3}</li>` : null}
  </ul>`;
}

/** A small sortable-free table with a header row. */
export function Table({ columns, rows, empty, testid }) {
  if (!rows || !rows.length) return empty ?? html`<${Empty} />`;
  return html`<div class="table-wrap"><table data-testid=${testid}>
    <thead><tr>${columns.map((c) => html`<th class=${c.className || ''}>${c.label}</th>`)}</tr></thead>
    <tbody>${rows.map((r, i) => html`<tr key=${r.key ?? i} data-key=${r.key ?? ''}>${columns.map((c) => html`<td class=${c.className || ''}>${c.render(r)}</td>`)}</tr>`)}</tbody>
  </table></div>`;
}

/** Runs an action, showing its error or success message. */
export function useAction() {
  const [state, setState] = useState({ busy: false, error: null });
  const run = async (fn) => {
    setState({ busy: true, error: null });
    try {
      const r = await fn();
      setState({ busy: false, error: null });
      return r;
    } catch (error) {
      setState({ busy: false, error });
      return undefined;
    }
  };
  return [state, run];
}
