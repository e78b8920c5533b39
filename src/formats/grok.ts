/**
 * A small grok: `%{NAME}` and `%{NAME:field}` expand to the standard base patterns (the Logstash
 * and CrowdSec names), `%{NAME:field}` capturing as the named group `field`. Expansion is done
 * once at load; the result is a plain JavaScript regex, checked for catastrophic backtracking
 * like any other. Dotted field names (`source.ip`) become `source_ip` groups; the map names them
 * with the dot or the underscore alike.
 */

/** The base patterns, written without nested quantifiers (so that they pass the ReDoS check). */
export const GROK_BASE: Readonly<Record<string, string>> = {
  USERNAME: '[a-zA-Z0-9._-]+',
  USER: '%{USERNAME}',
  INT: '[+-]?\\d+',
  POSINT: '\\d+',
  NONNEGINT: '\\d+',
  NUMBER: '[+-]?\\d+(?:\\.\\d+)?',
  BASE10NUM: '[+-]?\\d+(?:\\.\\d+)?',
  BASE16NUM: '[+-]?(?:0x)?[0-9A-Fa-f]+',
  WORD: '\\w+',
  NOTSPACE: '\\S+',
  SPACE: '\\s*',
  DATA: '.*?',
  GREEDYDATA: '.*',
  QUOTEDSTRING: '"[^"]*"',
  QS: '%{QUOTEDSTRING}',
  UUID: '[A-Fa-f0-9]{8}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{12}',
  MAC: '[0-9A-Fa-f]{2}(?:[:-][0-9A-Fa-f]{2}){5}',
  IPV4: '(?<![0-9])(?:\\d{1,3}\\.){3}\\d{1,3}(?![0-9])',
  IPV6: '[0-9A-Fa-f:]*:[0-9A-Fa-f:.]+(?:%\\w+)?',
  IP: '(?:%{IPV6}|%{IPV4})',
  HOSTNAME: '\\b[0-9A-Za-z][0-9A-Za-z._-]{0,253}\\b',
  IPORHOST: '(?:%{IP}|%{HOSTNAME})',
  HOSTPORT: '%{IPORHOST}:%{POSINT}',
  PATH: '[^ ]*',
  URIPATH: '/[^\\s?#]*',
  URI: '[A-Za-z][A-Za-z0-9+.-]{0,15}://\\S+',
  MONTH: '\\b(?:[Jj]an(?:uary)?|[Ff]eb(?:ruary)?|[Mm]ar(?:ch)?|[Aa]pr(?:il)?|[Mm]ay|[Jj]une?|[Jj]uly?|[Aa]ug(?:ust)?|[Ss]ep(?:tember)?|[Oo]ct(?:ober)?|[Nn]ov(?:ember)?|[Dd]ec(?:ember)?)\\b',
  MONTHNUM: '(?:0?[1-9]|1[0-2])',
  MONTHDAY: '(?:0?[1-9]|[12]\\d|3[01])',
  DAY: '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*',
  YEAR: '\\d{2,4}',
  HOUR: '(?:[01]?\\d|2[0-3])',
  MINUTE: '[0-5]\\d',
  SECOND: '(?:[0-5]?\\d|60)(?:[.,]\\d+)?',
  TIME: '%{HOUR}:%{MINUTE}:%{SECOND}',
  ISO8601_TIMEZONE: '(?:Z|[+-]%{HOUR}(?::?%{MINUTE})?)',
  TIMESTAMP_ISO8601: '%{YEAR}-%{MONTHNUM}-%{MONTHDAY}[T ]%{HOUR}:?%{MINUTE}(?::?%{SECOND})?%{ISO8601_TIMEZONE}?',
  DATE_US: '%{MONTHNUM}[/-]%{MONTHDAY}[/-]%{YEAR}',
  DATE_EU: '%{MONTHDAY}[./-]%{MONTHNUM}[./-]%{YEAR}',
  SYSLOGTIMESTAMP: '%{MONTH} +%{MONTHDAY} %{TIME}',
  PROG: '[\\x21-\\x5a\\x5c\\x5e-\\x7e]+',
  SYSLOGPROG: '%{PROG}(?:\\[%{POSINT}\\])?',
  LOGLEVEL: '(?:[Aa]lert|ALERT|[Tt]race|TRACE|[Dd]ebug|DEBUG|[Nn]otice|NOTICE|[Ii]nfo|INFO|[Ww]arn(?:ing)?|WARN(?:ING)?|[Ee]rr(?:or)?|ERR(?:OR)?|[Cc]rit(?:ical)?|CRIT(?:ICAL)?|[Ff]atal|FATAL|[Ss]evere|SEVERE|[Ee]merg(?:ency)?|EMERG(?:ENCY)?)',
};

export class GrokError extends Error {
  constructor(message: string, readonly offset: number) {
    super(message);
  }
}

const REF = /%\{([A-Z0-9_]+)(?::([A-Za-z_][A-Za-z0-9_.]*))?\}/g;

/** A grok field name as a regex group name (`source.ip` → `source_ip`). */
export const groupName = (field: string) => field.replace(/\./g, '_');

/** Expand a grok expression into regex source; throws GrokError with the offset of the bad reference. */
export function expandGrok(expr: string, custom: Readonly<Record<string, string>> = {}): { source: string; fields: string[] } {
  const fields: string[] = [];
  const expand = (text: string, depth: number, base: number | null): string =>
    text.replace(REF, (whole, name: string, field: string | undefined, offset: number) => {
      const at = base ?? offset;
      const body = Object.hasOwn(custom, name) ? custom[name] : Object.hasOwn(GROK_BASE, name) ? GROK_BASE[name] : undefined;
      if (body === undefined) throw new GrokError(`unknown grok pattern ${name}`, at);
      if (depth > 16) throw new GrokError(`grok pattern ${name} refers to itself`, at);
      const inner = expand(body, depth + 1, at);
      if (!field) return `(?:${inner})`;
      if (depth > 0) return `(?:${inner})`; // only the top level captures
      const g = groupName(field);
      if (fields.includes(g)) throw new GrokError(`field ${field} is captured twice`, at);
      fields.push(g);
      return `(?<${g}>${inner})`;
    });
  return { source: expand(expr, 0, null), fields };
}
