import { badRequest } from '../infra/http/problem';
import { decodeText } from '../normalize/normalizer';

export interface BodyLine {
  line: number;
  text: string;
}

/**
 * Split an ingest body into lines: a JSON array (one element per alert), or raw lines / NDJSON.
 * Bytes are decoded per line so one EUC-KR line does not garble its UTF-8 neighbours.
 */
export function splitBody(body: Buffer): BodyLine[] {
  let start = 0;
  while (start < body.length && (body[start] === 0x20 || body[start] === 0x0a || body[start] === 0x0d || body[start] === 0x09)) start++;
  if (body[start] === 0x5b /* [ */) return splitJsonArray(body);
  const lines: BodyLine[] = [];
  let from = 0;
  let no = 1;
  for (let i = 0; i <= body.length; i++) {
    if (i === body.length || body[i] === 0x0a) {
      if (i > from || i < body.length) lines.push({ line: no, text: decodeText(body.subarray(from, i)) });
      from = i + 1;
      no++;
    }
  }
  return lines;
}

function splitJsonArray(body: Buffer): BodyLine[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(decodeText(body));
  } catch (e) {
    throw badRequest(`body: starts with '[' but is not a valid JSON array: ${(e as Error).message}`);
  }
  if (!Array.isArray(parsed)) throw badRequest('body: expected a JSON array');
  return parsed.map((el, i) => ({ line: i + 1, text: typeof el === 'string' ? el : JSON.stringify(el) }));
}
