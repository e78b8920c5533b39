import { loadConfig } from '../infra/config/config.loader';
import { fail } from './output';

/**
 * Where CLI commands that talk to a running Gwanje find it: --url, else GWANJE_URL, else
 * http://localhost:<port> with the port the server would use (PORT, else server.port of the config
 * file GWANJE_CONFIG names, else 8080).
 */
export function defaultApiUrl(env: NodeJS.ProcessEnv = process.env): string {
  if (env.GWANJE_URL) return env.GWANJE_URL;
  let port = /^\d+$/.test(env.PORT ?? '') ? Number(env.PORT) : 8080;
  if (!env.PORT) {
    try {
      port = loadConfig(env).server.port;
    } catch {
      // a broken config is the server's problem to report; the CLI keeps the default port
    }
  }
  return `http://localhost:${port}`;
}

/** --key, else GWANJE_KEY, else GWANJE_ADMIN_KEY (the bootstrap key the server was started with). */
export function apiKey(given: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const key = given ?? env.GWANJE_KEY ?? env.GWANJE_ADMIN_KEY;
  if (!key) fail('an API key is needed: --key, GWANJE_KEY or GWANJE_ADMIN_KEY');
  return key;
}

export const API_OPTION_HELP = {
  url: 'Gwanje API base URL (default: $GWANJE_URL, else http://localhost:$PORT, else the config file\'s server.port)',
  key: 'API key (default: $GWANJE_KEY, else $GWANJE_ADMIN_KEY)',
};

/** fetch against the API; an unreachable server ends the command with exit 1 and says what to check. */
export async function apiFetch(base: string, pathAndQuery: string, init: RequestInit): Promise<Response> {
  const url = `${base.replace(/\/$/, '')}${pathAndQuery}`;
  try {
    return await fetch(url, init);
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    fail(`cannot reach Gwanje at ${base} (${cause?.code ?? cause?.message ?? (e as Error).message}): is it running? Set --url, GWANJE_URL or PORT`, 1);
  }
}

/** The problem+json detail of an error answer, or its title, or the status text. */
export async function problemText(res: Response): Promise<string> {
  const body = (await res.json().catch(() => ({}))) as { detail?: string; title?: string };
  return `HTTP ${res.status}: ${body.detail ?? body.title ?? res.statusText}`;
}
