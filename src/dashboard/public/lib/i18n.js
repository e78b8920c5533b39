import en from '../i18n/en.js';
import ko from '../i18n/ko.js';

export const LANGS = { ko, en };
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

export function saveLang(lang) {
  try {
    localStorage.setItem(LANG_KEY, lang);
  } catch {
    /* storage blocked */
  }
}

/** Translator and formatters for one language. */
export function translator(lang) {
  const dict = LANGS[lang] || ko;
  const t = (key, vars = {}) => {
    const text = dict[key] ?? ko[key] ?? key;
    return text.replace(/\{(\w+)\}/g, (_, k) => (vars[k] === undefined || vars[k] === null ? '' : String(vars[k])));
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
    time: (iso) => (iso ? dateTime.format(new Date(iso)) : '—'),
    num: (n) => (n === null || n === undefined ? '—' : num.format(n)),
    ago(iso) {
      if (!iso) return '—';
      const s = (Date.parse(iso) - Date.now()) / 1000;
      const a = Math.abs(s);
      if (a < 60) return rel.format(Math.round(s), 'second');
      if (a < 3600) return rel.format(Math.round(s / 60), 'minute');
      if (a < 86400) return rel.format(Math.round(s / 3600), 'hour');
      return rel.format(Math.round(s / 86400), 'day');
    },
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
