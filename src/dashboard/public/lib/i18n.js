import en from '../i18n/en.js';
import ko from '../i18n/ko.js';

/** @type {Record<string, Record<string, string>>} */
export const LANGS = { ko, en };
/** @type {Record<string, string>} */
const KO = ko;
const LANG_KEY = 'gwanje.lang';

export function initialLang() {
  try {
    const saved = localStorage.getItem(LANG_KEY);
    if (saved && LANGS[saved]) return saved;
  } catch {
    /* storage blocked */
  }
  return 'ko';
}

/** @param {string} lang */
export function saveLang(lang) {
  try {
    localStorage.setItem(LANG_KEY, lang);
  } catch {
    /* storage blocked */
  }
}

/** @typedef {ReturnType<typeof translator>} I18n */

/**
 * Translator and formatters for one language.
 * @param {string} lang
 */
export function translator(lang) {
  const dict = LANGS[lang] || KO;
  /** @param {string} key @param {Record<string, unknown>} [vars] */
  const t = (key, vars = {}) => {
    const text = dict[key] ?? KO[key] ?? key;
    return text.replace(/\{(\w+)\}/g, (/** @type {string} */ _, /** @type {string} */ k) => (vars[k] === undefined || vars[k] === null ? '' : String(vars[k])));
  };
  const locale = lang === 'ko' ? 'ko-KR' : 'en-GB';
  const dateTime = new Intl.DateTimeFormat(locale, { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
  const num = new Intl.NumberFormat(locale);
  const rel = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  let regions = null;
  try {
    regions = new Intl.DisplayNames([locale], { type: 'region' });
  } catch {
    /* old browser */
  }
  return {
    lang,
    t,
    /** @param {string | null | undefined} iso */
    time: (iso) => (iso ? dateTime.format(new Date(iso)) : '—'),
    /** @param {number | null | undefined} n */
    num: (n) => (n === null || n === undefined ? '—' : num.format(n)),
    /** @param {string | null | undefined} iso */
    ago(iso) {
      if (!iso) return '—';
      const s = (Date.parse(iso) - Date.now()) / 1000;
      const a = Math.abs(s);
      if (a < 60) return rel.format(Math.round(s), 'second');
      if (a < 3600) return rel.format(Math.round(s / 60), 'minute');
      if (a < 86400) return rel.format(Math.round(s / 3600), 'hour');
      return rel.format(Math.round(s / 86400), 'day');
    },
    /** @param {string | null | undefined} code */
    country(code) {
      if (!code) return t('unknown');
      try {
        return regions ? `${regions.of(code)} (${code})` : code;
      } catch {
        return code;
      }
    },
  };
}
