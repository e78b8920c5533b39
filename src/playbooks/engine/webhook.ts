import { createHmac, timingSafeEqual } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { NotifyResult } from './effects';
import { PermanentError } from './errors';
import { WebhookRefused, originOf, pinnedLookup, resolveWebhookTarget, webhookAllow, type ResolvedTarget, type Resolver, type WebhookAllow } from './webhook-target';

/**
 * Webhook signatures: `sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>` in the signature
 * header, the timestamp (Unix seconds) in `x-gwanje-timestamp`. Receivers recompute it over the
 * raw body, compare in constant time and refuse old timestamps (replay).
 */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  return 'sha256=' + createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

export function verifyWebhook(secret: string, timestamp: number, body: string, signature: string): boolean {
  const want = Buffer.from(signWebhook(secret, timestamp, body));
  const got = Buffer.from(signature);
  return want.length === got.length && timingSafeEqual(want, got);
}

export interface WebhookPost {
  url: string;
  secret: string;
  signatureHeader: string;
  body: unknown;
  headers: Record<string, string>;
  deliveryId: string;
  timeoutMs: number;
  /** playbooks.webhooks.allow: internal receivers that may be posted to. Default: public addresses only. */
  allow?: WebhookAllow;
  /** DNS (tests answer for it). */
  resolve?: Resolver;
  now?: () => number;
}

/** A network failure, kept for the operator's log; run records only get the uniform message. */
export class WebhookUnreachable extends Error {
  override name = 'WebhookUnreachable';
  constructor(message: string, readonly detail: string) {
    super(message);
  }
}

/**
 * One POST to the address the target check approved (webhook-target.ts), over node:http(s) with a
 * lookup pinned to that address. 2xx is success; 408, 425, 429 and 5xx (and network errors) may be
 * retried; other answers — redirects included, they are never followed — fail the step at once.
 * A refused target fails at once too. Errors name only the origin (paths may carry tokens), and
 * every network failure reads the same ("unreachable"), so run records cannot tell a closed port
 * from a filtered one or from a service that does not speak HTTP.
 */
export async function postWebhook(p: WebhookPost): Promise<NotifyResult> {
  const text = JSON.stringify(p.body ?? null);
  const ts = Math.floor((p.now ?? Date.now)() / 1000);
  let url: URL;
  try {
    url = new URL(p.url);
  } catch {
    throw new PermanentError(`POST: ${JSON.stringify(p.url)} is not a URL (not retried)`);
  }
  const origin = originOf(url);
  const unreachable = (e: unknown) => {
    const err = e as Error & { code?: string; cause?: { code?: string } };
    return new WebhookUnreachable(`POST ${origin}: unreachable (no HTTP answer)`, err.code ?? err.cause?.code ?? err.name ?? String(e));
  };
  let target: ResolvedTarget;
  try {
    target = await resolveWebhookTarget(p.url, p.allow ?? webhookAllow([]), p.resolve);
  } catch (e) {
    if (e instanceof WebhookRefused) throw new PermanentError(`POST ${origin}: refused: ${e.message} (not retried)`);
    throw unreachable(e);
  }
  const headers = {
    ...p.headers,
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
    'user-agent': 'gwanje-playbooks/1',
    'x-gwanje-delivery': p.deliveryId,
    'x-gwanje-timestamp': String(ts),
    [p.signatureHeader]: signWebhook(p.secret, ts, text),
  };
  let status: number;
  try {
    status = await send(url, target, headers, text, p.timeoutMs);
  } catch (e) {
    throw unreachable(e);
  }
  if (status >= 200 && status < 300) return { status, attempts: 1 };
  const retryable = status === 408 || status === 425 || status === 429 || status >= 500;
  const message = `POST ${origin}: HTTP ${status}`;
  if (retryable) throw new Error(message);
  throw new PermanentError(`${message} (not retried${status >= 300 && status < 400 ? '; redirects are not followed' : ''})`);
}

/** The status of one request to the pinned address; the body is read and dropped. */
function send(url: URL, target: ResolvedTarget, headers: Record<string, string>, body: string, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(
      url,
      { method: 'POST', headers, agent: false, lookup: pinnedLookup(target), signal: AbortSignal.timeout(timeoutMs) },
      (res) => {
        const status = res.statusCode ?? 0;
        res.on('error', () => undefined); // an abort while draining: the status is known already
        res.once('close', () => resolve(status));
        res.resume();
      },
    );
    req.once('error', reject);
    req.end(body);
  });
}
