import { render } from 'preact';
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ApiError, createApi, followDecisionEvents, loadCapabilities } from './lib/api.js';
import { initialLang, saveLang, translator } from './lib/i18n.js';
import { AppContext, html, onValue, problemText } from './lib/ui.js';
import { ApprovalsView } from './views/approvals.js';
import { DecisionsView } from './views/decisions.js';
import { IpView } from './views/ip.js';
import { OverviewView } from './views/overview.js';
import { PlaybooksView } from './views/playbooks.js';
import { ThreatsView } from './views/threats.js';

// The API key lives in sessionStorage: this tab only, gone when it closes, never in a URL.
const KEY_STORE = 'gwanje.apiKey';
const POLL_MS = 5000;

const readKey = () => {
  try {
    return sessionStorage.getItem(KEY_STORE);
  } catch {
    return null;
  }
};
/** @param {string | null} k */
const writeKey = (k) => {
  try {
    if (k) sessionStorage.setItem(KEY_STORE, k);
    else sessionStorage.removeItem(KEY_STORE);
  } catch {
    /* storage blocked: the key lives in memory only */
  }
};

/** @param {string} hash */
function parseHash(hash) {
  const parts = hash.replace(/^#\/?/, '').split('/');
  const name = parts[0] || 'overview';
  return { name, param: parts[1] ? decodeURIComponent(parts.slice(1).join('/')) : null };
}

function useHashRoute() {
  const [route, setRoute] = useState(parseHash(location.hash));
  useEffect(() => {
    const on = () => setRoute(parseHash(location.hash));
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}

/** @typedef {{ me: import('./lib/ui.js').Me, names: Record<string, string>, namesEn: Record<string, string> }} Who */
/** @typedef {import('./lib/i18n.js').I18n} I18n */

/**
 * Checks a key: the overview answers for analyst and admin keys and says who the key is.
 * @param {string} key
 * @returns {Promise<Who>}
 */
async function signIn(key) {
  const api = createApi(key);
  const ov = await api.get('/v1/overview', { query: { window: '15m' } });
  /** @type {Record<string, string>} */
  let names = {};
  /** @type {Record<string, string>} */
  let namesEn = {};
  try {
    const js = await api.get('/v1/jurisdictions');
    names = Object.fromEntries(js.items.map((j) => [j.id, j.name]));
    // English screens use the English names where the configuration gives them.
    namesEn = Object.fromEntries(js.items.map((j) => [j.id, j.nameEn || j.name]));
  } catch {
    /* names are a nicety */
  }
  return { me: { key: ov.key, jurisdictions: ov.jurisdictions }, names, namesEn };
}

/** @param {{ i18n: I18n, setLang: (lang: string) => void }} props */
function LangSwitch({ i18n, setLang }) {
  const other = i18n.lang === 'ko' ? 'en' : 'ko';
  return html`<button type="button" class="link lang" lang=${other} data-testid="lang-switch" onClick=${() => setLang(other)}>${i18n.t('lang.switch')}</button>`;
}

/** @param {{ i18n: I18n, setLang: (lang: string) => void, onSignedIn: (key: string, who: Who) => void, initialError: Error | null }} props */
function Login({ i18n, setLang, onSignedIn, initialError }) {
  const { t } = i18n;
  const [key, setKey] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(/** @type {Error | null} */ (initialError || null));
  /** @param {Event} e */
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const who = await signIn(key.trim());
      writeKey(key.trim());
      onSignedIn(key.trim(), who);
    } catch (err) {
      setError(err instanceof Error ? err : new Error(String(err)));
    } finally {
      setBusy(false);
    }
  };
  let message = null;
  if (error instanceof ApiError) {
    if (error.status === 401) message = t('login.bad');
    else if (error.status === 403) message = t('login.role', { role: (/role (\w+)/.exec(error.message) || [])[1] || '?' });
    else message = problemText(i18n, error).text;
  } else if (error) message = problemText(i18n, error).text;
  return html`<main class="login" data-testid="login">
    <div class="login-box">
      <div class="login-top"><div class="brand"><span class="logo" aria-hidden="true">관</span><div><div class="brand-title">${t('app.title')}</div><div class="muted small">${t('app.subtitle')}</div></div></div><${LangSwitch} i18n=${i18n} setLang=${setLang} /></div>
      <h1>${t('login.heading')}</h1>
      <p class="help">${t('login.help')}</p>
      <form onSubmit=${submit}>
        <label>${t('login.key')}
          <input type="password" name="api-key" autocomplete="off" spellcheck="false" required value=${key} onInput=${onValue(setKey)} data-testid="login-key" />
        </label>
        ${message ? html`<div class="notice error" role="alert" data-testid="login-error">${message}</div>` : null}
        <button type="submit" class="primary wide" disabled=${busy || !key.trim()} data-testid="login-submit">${busy ? t('login.checking') : t('login.submit')}</button>
      </form>
    </div>
  </main>`;
}

const NAV = [
  ['overview', 'nav.overview'],
  ['threats', 'nav.threats'],
  ['approvals', 'nav.approvals'],
  ['decisions', 'nav.decisions'],
  ['playbooks', 'nav.playbooks'],
];

/** @typedef {{ id: string, text: string, kind: string }} Toast */
/** @param {{ toasts: Toast[] }} props */
function Toasts({ toasts }) {
  return html`<div class="toasts" aria-live="polite">${toasts.map((x) => html`<div key=${x.id} class="toast ${x.kind}" data-testid="toast">${x.text}</div>`)}</div>`;
}

/** @param {{ apiKey: string, who: Who, i18n: I18n, setLang: (lang: string) => void, onSignOut: () => void }} props */
function Shell({ apiKey, who, i18n, setLang, onSignOut }) {
  const { t } = i18n;
  const route = useHashRoute();
  const [tick, setTick] = useState(0);
  const [lastRefresh, setLastRefresh] = useState(new Date().toISOString());
  const [scope, setScope] = useState('');
  const [live, setLive] = useState(/** @type {'connecting' | 'live' | 'down' | 'unavailable'} */ ('connecting'));
  const [toasts, setToasts] = useState(/** @type {Toast[]} */ ([]));
  const [caps, setCaps] = useState(/** @type {import('./lib/api.js').Capabilities | null} */ (null));
  const api = useMemo(() => createApi(apiKey, { onUnauthorized: onSignOut }), [apiKey]);
  const bumpTimer = useRef(/** @type {ReturnType<typeof setTimeout> | undefined} */ (undefined));
  const tRef = useRef(t);
  tRef.current = t;
  const names = i18n.lang === 'en' ? who.namesEn : who.names;
  const namesRef = useRef(names);
  namesRef.current = names;

  const bump = useCallback(() => {
    clearTimeout(bumpTimer.current);
    bumpTimer.current = setTimeout(() => {
      setTick((n) => n + 1);
      setLastRefresh(new Date().toISOString());
    }, 150);
  }, []);
  const notify = useCallback((/** @type {string} */ text, kind = 'info') => {
    const id = Math.random().toString(36).slice(2);
    setToasts((ts) => [...ts.slice(-3), { id, text, kind }]);
    setTimeout(() => setToasts((ts) => ts.filter((x) => x.id !== id)), 6000);
  }, []);

  useEffect(() => {
    loadCapabilities().then(setCaps);
  }, []);
  // One language at a time: toasts written in the other language go.
  useEffect(() => setToasts([]), [i18n.lang]);

  // Poll every 5 s while the tab is visible; decision events (SSE over fetch) refresh at once.
  useEffect(() => {
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') bump();
    }, POLL_MS);
    const stop = followDecisionEvents(apiKey, {
      onStatus: setLive,
      onEvent: ({ event, data }) => {
        if (!data || !data.decision) return;
        const cause = event === 'decision.created' ? 'created' : data.cause === 'expired' ? 'expired' : 'ended';
        notify(tRef.current(`event.${cause}`, { value: data.decision.value, jurisdiction: namesRef.current[data.jurisdiction] || data.jurisdiction }), cause === 'created' ? 'warn' : 'info');
        bump();
      },
    });
    return () => {
      clearInterval(timer);
      stop();
    };
  }, [apiKey]);

  if (!caps) return html`<p class="muted pad">${t('loading')}</p>`;
  const ctx = { api, caps, i18n, tick, scope, names, me: who.me, notify, bump };
  let view;
  switch (route.name) {
    case 'threats':
      view = html`<${ThreatsView} key=${`${scope}|${route.param || ''}`} filter=${route.param} />`;
      break;
    case 'ip':
      view = html`<${IpView} key=${route.param} ip=${route.param} />`;
      break;
    case 'approvals':
      view = html`<${ApprovalsView} />`;
      break;
    case 'decisions':
      view = html`<${DecisionsView} key=${scope} />`;
      break;
    case 'playbooks':
      view = html`<${PlaybooksView} />`;
      break;
    default:
      view = html`<${OverviewView} key=${scope} />`;
  }
  const liveLabel = live === 'live' ? t('live.live') : live === 'down' ? t('live.down') : t('live.polling');
  const active = route.name === 'ip' ? 'threats' : route.name;
  return html`<${AppContext.Provider} value=${ctx}>
    <div class="shell">
      <aside class="side">
        <div class="brand"><span class="logo" aria-hidden="true">관</span><div><div class="brand-title">${t('app.title')}</div><div class="muted small">${t('app.subtitle')}</div></div></div>
        <nav>${NAV.map(([name, label]) => html`<a href=${`#/${name}`} class=${active === name ? 'on' : ''} aria-current=${active === name ? 'page' : undefined} data-testid=${`nav-${name}`}>${t(label)}</a>`)}</nav>
      </aside>
      <div class="main">
        <header class="top">
          <label class="inline">${t('scope.label')}
            <select value=${scope} onChange=${onValue(setScope)} data-testid="scope">
              <option value="">${t('scope.all')}</option>
              ${who.me.jurisdictions.map((j) => html`<option value=${j}>${names[j] || j}</option>`)}
            </select>
          </label>
          <span class="live ${live}" data-testid="live" title=${t('refreshed', { time: i18n.time(lastRefresh) })}><span class="dot"></span>${liveLabel}</span>
          <span class="spacer"></span>
          <span class="who" data-testid="who">${t('who', { role: t(`role.${who.me.key.role}`), jurisdiction: names[who.me.key.jurisdiction] || who.me.key.jurisdiction })}</span>
          <${LangSwitch} i18n=${i18n} setLang=${setLang} />
          <button type="button" class="secondary small" onClick=${onSignOut} data-testid="logout">${t('logout')}</button>
        </header>
        <main class="content">${view}</main>
      </div>
      <${Toasts} toasts=${toasts} />
    </div>
  </${AppContext.Provider}>`;
}

/** @typedef {{ key: string | null, who: Who | null, error: Error | null, checking: boolean }} Session */

function App() {
  const [lang, setLangState] = useState(initialLang());
  const i18n = useMemo(() => translator(lang), [lang]);
  const [session, setSession] = useState(/** @type {() => Session} */ (() => ({ key: readKey(), who: null, error: null, checking: !!readKey() })));
  /** @param {string} l */
  const setLang = (l) => {
    saveLang(l);
    setLangState(l);
  };
  useEffect(() => {
    document.documentElement.lang = lang;
    document.title = `${i18n.t('app.title')} · Gwanje`;
  }, [lang]);
  // A key kept from earlier in this tab: check it again (it may have been revoked).
  useEffect(() => {
    if (!session.checking || !session.key) return;
    signIn(session.key).then(
      (who) => setSession({ key: session.key, who, error: null, checking: false }),
      (error) => {
        writeKey(null);
        setSession({ key: null, who: null, error, checking: false });
      },
    );
  }, []);
  const signOut = useCallback(() => {
    writeKey(null);
    setSession({ key: null, who: null, error: null, checking: false });
  }, []);
  if (session.checking) return html`<p class="muted pad">${i18n.t('loading')}</p>`;
  if (!session.key || !session.who)
    return html`<${Login} i18n=${i18n} setLang=${setLang} initialError=${session.error} onSignedIn=${(/** @type {string} */ key, /** @type {Who} */ who) => setSession({ key, who, error: null, checking: false })} />`;
  return html`<${Shell} apiKey=${session.key} who=${session.who} i18n=${i18n} setLang=${setLang} onSignOut=${signOut} />`;
}

render(html`<${App} />`, /** @type {HTMLElement} */ (document.getElementById('app')));
