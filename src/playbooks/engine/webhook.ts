import { createHmac, timingSafeEqual } from 'node:crypto';
import type { NotifyResult } from './effects';
import { PermanentError } from './executor';

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
  now?: () => number;
}

/** One POST. 2xx is success; 408, 425, 429 and 5xx (and network errors) may be retried; other answers fail the step at once. */
export async function postWebhook(p: WebhookPost): Promise<NotifyResult> {
  const text = JSON.stringify(p.body ?? null);
  const ts = Math.floor((p.now ?? Date.now)() / 1000);
  let res: Response;
  try {
    res = await fetch(p.url, {
      method: 'POST',
      headers: {
        ...p.headers,
        'content-type': 'application/json',
        'user-agent': 'gwanje-playbooks/1',
        'x-gwanje-delivery': p.deliveryId,
        'x-gwanje-timestamp': String(ts),
        [p.signatureHeader]: signWebhook(p.secret, ts, text),
      },
      body: text,
      redirect: 'manual',
      signal: AbortSignal.timeout(p.timeoutMs),
    });
  } catch (e) {
    const err = e as Error & { cause?: { code?: string } };
    throw new Error(`POST ${p.url}: ${err.name === 'TimeoutError' ? `no answer within ${p.timeoutMs} ms` : (err.cause?.code ?? err.message)}`);
  }
  await res.arrayBuffer().catch(() => undefined);
  if (res.status >= 200 && res.status < 300) return { status: res.status, attempts: 1 };
  const retryable = res.status === 408 || res.status === 425 || res.status === 429 || res.status >= 500;
  const message = `POST ${p.url}: HTTP ${res.status}`;
  throw retryable ? new Error(message) : new PermanentError(`${message} (not retried)`);
}
