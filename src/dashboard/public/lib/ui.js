import { h, createContext } from 'preact';
import { useContext, useEffect, useRef, useState } from 'preact/hooks';
import htm from 'htm';
import { urlOf } from './api.js';

export const html = htm.bind(h);

/** @typedef {import('./api.js').ApiError} ApiError */
/** @template {import('./api.js').Method} M @template {import('./api.js').PathOf<M>} P @typedef {import('./api.js').Reply<M, P>} Reply */
/** @typedef {Reply<'get', '/v1/overview'>['key']} KeyInfo */
/** @typedef {{ key: KeyInfo, jurisdictions: string[] }} Me */
/**
 * What every screen gets from the shell.
 * @typedef {{ api: import('./api.js').Api, caps: import('./api.js').Capabilities, i18n: import('./i18n.js').I18n, tick: number, scope: string, names: Record<string, string>, me: Me, notify: (text: string, kind?: string) => void, bump: () => void }} AppCtx
 */

export const AppContext = createContext(/** @type {AppCtx} */ (/** @type {unknown} */ (null)));
export const useApp = () => useContext(AppContext);

/**
 * @template T
 * @typedef {{ url: string | null, data: T | null, error: ApiError | null, loading: boolean, at: string | null }} ApiState
 */

/**
 * GET a documented path (null: nothing) and again on every live tick. Keeps the last good data
 * while a refresh is in flight or fails, so the screen does not flicker. The answer is typed from
 * the API's schema (lib/api-types.d.ts).
 * @type {<P extends import('./api.js').PathOf<'get'>>(path: P | null, ...rest: import('./api.js').ArgsOf<'get', P>) => ApiState<Reply<'get', P>>}
 */
export const useApi = (path, ...rest) => {
  const { api, tick } = useApp();
  const url = path ? urlOf(path, rest[0]) : null;
  /** @type {ApiState<any>} */
  const empty = { url, data: null, error: null, loading: !!url, at: null };
  const [state, setState] = useState(empty);
  const current = state.url === url ? state : empty;
  const seq = useRef(0);
  useEffect(() => {
    if (!path || !url) return;
    const mine = ++seq.current;
    api.get(path, ...rest).then(
      (data) => mine === seq.current && setState({ url, data, error: null, loading: false, at: new Date().toISOString() }),
      (error) => mine === seq.current && setState((s) => ({ url, data: s.url === url ? s.data : null, error, loading: false, at: s.at })),
    );
  }, [url, tick]);
  return current;
};

export function Loading() {
  const { i18n } = useApp();
  return html`<p class="muted" role="status">${i18n.t('loading')}</p>`;
}

/**
 * What went wrong, in the dashboard's language: the problem's stable `code` (problem+json) is
 * translated; the server's own `detail` (English) is kept behind "server's words".
 * @param {import('./i18n.js').I18n} i18n
 * @param {ApiError | Error} error
 * @returns {{ code: string, text: string, detail: string | null }}
 */
export function problemText(i18n, error) {
  const { t } = i18n;
  const api = /** @type {Partial<ApiError>} */ (error);
  const status = typeof api.status === 'number' ? api.status : null;
  if (status === null) return { code: 'client', text: t('problem.client'), detail: error.message };
  if (status === 0) return { code: 'network', text: t('problem.network'), detail: error.message };
  const p = api.problem || null;
  const code = p && typeof p.code === 'string' ? p.code : `http_${status}`;
  let text = i18n.has(`problem.${code}`) ? t(`problem.${code}`) : t('problem.other', { status });
  // Which fields were wrong are names, not prose: they read the same in every language.
  // A field the dashboard's forms send is named by its label; any other by its path.
  const fields = p && Array.isArray(p.errors)
    ? [...new Set(p.errors.map((e) => e.path))].filter(Boolean).map((path) => {
        const name = path.split('.').pop() || path;
        return i18n.has(`field.${name}`) ? t(`field.${name}`) : path;
      })
    : [];
  if (fields.length) text += ` ${t('problem.fields', { fields: fields.join(', ') })}`;
  return { code, text, detail: (p && p.detail) || null };
}

/**
 * An error in words, with the server's detail folded away (its words are English).
 * @param {{ error: ApiError | Error | null, className?: string }} props
 */
export function ErrorText({ error, className = '' }) {
  const { i18n } = useApp();
  if (!error) return null;
  const { code, text, detail } = problemText(i18n, error);
  return html`<div class="notice error ${className}" role="alert" data-testid="problem" data-code=${code}>
    <span data-testid="problem-text">${text}</span>
    ${detail ? html`<details class="problem-detail"><summary>${i18n.t('problem.original')}</summary><code lang="en">${detail}</code></details>` : null}
  </div>`;
}

/**
 * An error box; a missing endpoint (module not installed) reads "not available", not an error.
 * @param {{ error: ApiError | null, path?: string }} props
 */
export function Problem({ error, path }) {
  const { i18n } = useApp();
  if (!error) return null;
  if (error.missing)
    return html`<div class="notice not-available" data-testid="not-available"><strong>${i18n.t('notAvailable')}</strong> <span class="muted">${i18n.t('notAvailable.detail', { path: path || error.path })}</span></div>`;
  return html`<${ErrorText} error=${error} />`;
}

/** @param {{ path: string }} props */
export function NotAvailable({ path }) {
  const { i18n } = useApp();
  return html`<div class="notice not-available" data-testid="not-available"><strong>${i18n.t('notAvailable')}</strong> <span class="muted">${i18n.t('notAvailable.detail', { path })}</span></div>`;
}

export function Empty() {
  const { i18n } = useApp();
  return html`<p class="muted empty">${i18n.t('empty')}</p>`;
}

/**
 * 0–100 as a coloured bar with the number.
 * @param {{ score: number }} props
 */
export function ScoreBar({ score }) {
  const s = Math.max(0, Math.min(100, Number(score) || 0));
  const level = s >= 60 ? 'high' : s >= 30 ? 'mid' : 'low';
  return html`<span class="score ${level}" title=${String(s)}><span class="score-bar"><span class="score-fill" style=${{ width: `${s}%` }}></span></span><b>${s.toFixed(s % 1 ? 1 : 0)}</b></span>`;
}

/** @param {{ kind?: string, children?: unknown }} props */
export function Badge({ kind = 'neutral', children }) {
  return html`<span class="badge ${kind}">${children}</span>`;
}

/** @param {{ title?: unknown, children?: unknown, actions?: unknown, className?: string }} props */
export function Card({ title, children, actions, className = '' }) {
  return html`<section class="card ${className}">
    ${title || actions ? html`<header class="card-head"><h2>${title}</h2>${actions ? html`<div class="card-actions">${actions}</div>` : null}</header>` : null}
    ${children}
  </section>`;
}

/** @param {{ iso: string | null | undefined }} props */
export function Time({ iso }) {
  const { i18n } = useApp();
  if (!iso) return html`<span class="muted">—</span>`;
  return html`<time datetime=${iso} title=${i18n.time(iso)}>${i18n.ago(iso)}</time>`;
}

/** @param {Record<string, string>} names @param {string} id */
export const jurisdictionName = (names, id) => (names && names[id] ? names[id] : id);

/** @param {{ id: string }} props */
export function JName({ id }) {
  const { names } = useApp();
  return html`<span title=${id}>${jurisdictionName(names, id)}</span>`;
}

/** @param {unknown} v @returns {v is string} */
export const isIp = (v) => typeof v === 'string' && /^(\d{1,3}(\.\d{1,3}){3}|[0-9a-f:]+:[0-9a-f:.]*)$/i.test(v);

/**
 * An IP links to its profile.
 * @param {{ ip: string }} props
 */
export function IpLink({ ip }) {
  if (!isIp(ip)) return html`<code>${ip}</code>`;
  return html`<a class="ip" href=${`#/ip/${encodeURIComponent(ip)}`}><code>${ip}</code></a>`;
}

/**
 * Any JSON value as readable nested definition lists (approval changes and evidence).
 * @param {{ value: unknown, depth?: number }} props
 * @returns {unknown}
 */
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

/**
 * A detection rule's name in the dashboard's language: the shipped rules are translated by id;
 * a rule of your own keeps the name its file gives.
 * @param {import('./i18n.js').I18n} i18n
 * @param {string | null | undefined} id
 * @param {string | null} [name]
 */
export function ruleName(i18n, id, name = null) {
  if (id && i18n.has(`rule.${id}`)) return i18n.t(`rule.${id}`);
  return name || id || i18n.t('unknown');
}

/**
 * Human label of a score contribution factor (the server's detail stays as the precise text).
 * @param {import('./i18n.js').I18n} i18n
 * @param {string} factor
 * @param {Record<string, string>} [ruleNames]
 */
export function factorLabel(i18n, factor, ruleNames = {}) {
  if (factor.startsWith('rule:')) {
    const id = factor.slice(5);
    return i18n.t('factor.rule', { name: ruleName(i18n, id, ruleNames[id] || null) });
  }
  const key = `factor.${factor}`;
  const text = i18n.t(key);
  return text === key ? factor : text;
}

/** @typedef {Reply<'get', '/v1/threats'>['items'][number]['contributions'][number]} Contribution */
/** @param {{ items: Contribution[], ruleNames?: Record<string, string>, compact?: boolean }} props */
export function Contributions({ items, ruleNames, compact = false }) {
  const { i18n } = useApp();
  if (!items || !items.length) return html`<span class="muted">${i18n.t('none')}</span>`;
  const shown = compact ? items.slice(0, 3) : items;
  // Points and their label are one unit (a grid row: they never wrap apart); the "more" line is a
  // count of factors, worded so, never a number in the points column.
  return html`<ul class="contribs ${compact ? 'compact' : ''}" data-testid="contributions">
    ${shown.map(
      (c) => html`<li class="contrib">
        <span class="points ${c.points < 0 ? 'neg' : ''}" title=${i18n.t('points', { n: c.points })}>${c.points > 0 ? '+' : ''}${i18n.num(c.points)}</span>
        <span class="factor">${factorLabel(i18n, c.factor, ruleNames)}</span>
        ${compact ? null : html`<span class="detail muted" lang="en">${c.detail}</span>`}
      </li>`,
    )}
    ${compact && items.length > 3 ? html`<li class="more muted" data-testid="more-factors">${i18n.t('factors.more', { n: items.length - 3 })}</li>` : null}
  </ul>`;
}

/**
 * @template R
 * @typedef {{ label: string, className?: string, render: (row: R) => unknown }} Column
 */
/**
 * Rows and their columns for a Table (spread them in: `<${Table} ...${columns(rows, [...])} />`),
 * so each column's render gets the row's type.
 * @template {object} R
 * @param {R[]} rows
 * @param {Array<Column<R>>} columns
 */
export const columns = (rows, columns) => ({ rows, columns });

/**
 * A small sortable-free table with a header row.
 * @template {object} R
 * @param {{ columns: Array<Column<R>>, rows: R[], empty?: unknown, testid?: string }} props
 */
export function Table({ columns, rows, empty, testid }) {
  if (!rows || !rows.length) return empty ?? html`<${Empty} />`;
  return html`<div class="table-wrap"><table data-testid=${testid}>
    <thead><tr>${columns.map((c) => html`<th class=${c.className || ''}>${c.label}</th>`)}</tr></thead>
    <tbody>${rows.map((r, i) => {
      const key = /** @type {{ key?: string | number }} */ (r).key;
      // data-label: at narrow widths each row is a card and each cell says what it is (styles.css).
      return html`<tr key=${key ?? i} data-key=${key ?? ''}>${columns.map((c) => html`<td class=${c.className || ''} data-label=${c.label}><div class="cell">${c.render(r)}</div></td>`)}</tr>`;
    })}</tbody>
  </table></div>`;
}

/**
 * An input/select handler that passes the element's value on.
 * @param {(value: string) => void} set
 */
export const onValue = (set) => (/** @type {Event} */ e) => set(/** @type {HTMLInputElement} */ (e.currentTarget).value);

/**
 * Runs an action, showing its error or success message.
 * @returns {[{ busy: boolean, error: ApiError | Error | null }, <T>(fn: () => Promise<T>) => Promise<T | undefined>]}
 */
export function useAction() {
  /** @type {[{ busy: boolean, error: ApiError | Error | null }, (s: { busy: boolean, error: ApiError | Error | null }) => void]} */
  const [state, setState] = useState(/** @type {{ busy: boolean, error: ApiError | Error | null }} */ ({ busy: false, error: null }));
  /** @template T @param {() => Promise<T>} fn */
  const run = async (fn) => {
    setState({ busy: true, error: null });
    try {
      const r = await fn();
      setState({ busy: false, error: null });
      return r;
    } catch (error) {
      setState({ busy: false, error: error instanceof Error ? error : new Error(String(error)) });
      return undefined;
    }
  };
  return [state, run];
}
