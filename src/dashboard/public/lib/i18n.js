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
  const locale = lang === 'ko' ? 'ko-KR' : 'en-GB';
  const plurals = new Intl.PluralRules(locale);
  const num = new Intl.NumberFormat(locale);
  /**
   * The text of `key` with {vars} filled in. With a numeric `n`, the plural form of the language
   * comes first (`key.one`, `key.other`: "1 time", "2 times"); numbers are formatted.
   * @param {string} key @param {Record<string, unknown>} [vars]
   */
  const t = (key, vars = {}) => {
    const n = vars.n;
    const form = typeof n === 'number' ? dict[`${key}.${plurals.select(n)}`] ?? dict[`${key}.other`] : undefined;
    const text = form ?? dict[key] ?? KO[key] ?? key;
    return text.replace(/\{(\w+)\}/g, (/** @type {string} */ _, /** @type {string} */ k) => {
      const v = vars[k];
      if (v === undefined || v === null) return '';
      return k === 'n' && typeof v === 'number' ? num.format(v) : String(v);
    });
  };
  /** @param {string} key */
  const has = (key) => key in dict;
  const dateTime = new Intl.DateTimeFormat(locale, { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
  const rel = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  let regions = null;
  try {
    regions = new Intl.DisplayNames([locale], { type: 'region' });
  } catch {
    /* old browser */
  }
  /**
   * A duration as the API writes it ("24h", "7d", "90m", "1h30m") in words: "24시간", "24 hours".
   * @param {string | null | undefined} text
   */
  const duration = (text) => {
    if (!text) return '—';
    const parts = [...String(text).matchAll(/(\d+)\s*(ms|s|m|h|d|w)/g)];
    if (!parts.length || parts.map((p) => p[0]).join('') !== String(text).replace(/\s+/g, '')) return String(text);
    const unit = /** @type {Record<string, string>} */ ({ ms: 'ms', s: 'second', m: 'minute', h: 'hour', d: 'day', w: 'week' });
    return parts.map((p) => t(`unit.${unit[p[2]]}`, { n: Number(p[1]) })).join(' ');
  };
  /**
   * A Korean object particle for a word (을 after a final consonant, 를 after a vowel), read as
   * Koreans read digits and Latin letters: "175.223.20.30을", "10.0.0.2를". Other languages: none.
   * @param {string} word
   */
  const objectParticle = (word) => {
    if (lang !== 'ko') return '';
    const last = String(word).trim().slice(-1);
    const code = last.charCodeAt(0);
    if (code >= 0xac00 && code <= 0xd7a3) return (code - 0xac00) % 28 ? '을' : '를';
    // 0 영, 1 일, 3 삼, 6 육, 7 칠, 8 팔 end in a consonant; 2 이, 4 사, 5 오, 9 구 do not.
    if (/[013678]/.test(last)) return '을';
    if (/[2459]/.test(last)) return '를';
    // Latin letters as spoken: l, m, n, r end in a consonant (엘, 엠, 엔, 알).
    if (/[lmnr]/i.test(last)) return '을';
    if (/[a-z]/i.test(last)) return '를';
    return '을(를)';
  };
  return {
    lang,
    locale,
    t,
    has,
    duration,
    objectParticle,
    /** An AS number is an identifier, not a quantity: "AS4766". @param {number | null | undefined} n */
    asn: (n) => (n === null || n === undefined ? '—' : `AS${n}`),
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
