import { SinyalError } from './errors';
import type { ClientOptions } from './options';
import type { ErrorCode } from '@sinyal/protocol';

/**
 * Calls one of the server's REST endpoints (chat list, history, notifications…) with the
 * client's own token, for initial fetches and as a polling fallback. The base URL is the
 * socket URL's origin (`wss://host/ws` → `https://host`). Rejects with a `SinyalError`
 * carrying the server's code.
 *
 * @example
 * ```ts
 * const { conversations } = await fetchJson(client.options, '/api/chat-list');
 * ```
 */
export async function fetchJson<T = unknown>(options: Pick<ClientOptions, 'url' | 'token'>, path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const base = new URL(options.url.replace(/^ws/, 'http'));
  const source = options.token;
  const token = typeof source === 'function' ? await source() : source;
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(new URL(path, base.origin), {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
      headers,
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
  } catch (error) {
    throw new SinyalError('unavailable', `request to ${path} failed: ${String(error)}`);
  }
  const body = (await response.json().catch(() => undefined)) as { code?: ErrorCode; msg?: string } | undefined;
  if (!response.ok) throw new SinyalError(body?.code ?? 'internal', body?.msg ?? `HTTP ${response.status}`);
  return body as T;
}
