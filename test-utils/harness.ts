// Shared helpers for integration and fault tests: a real server on 127.0.0.1 and
// real clients over `ws`.
import { createClient, type ClientOptions, type SinyalClient } from '@sinyal/client';
import { createDevToken, createServer, type ServerOptions } from '@sinyal/server';
import { expect, vi } from 'vitest';
import WebSocket from 'ws';

export const SECRET = 'integration-test-secret-0123456789abcdef';

/** Events the tests publish. */
export type TestEvents = {
  'demo:message': { from: string; n: number; text?: string };
  'private:note': { text: string };
};

/** A server with a `demo` kind anyone may publish in and a `private` kind only its owner may join. */
export function startServer(options: Partial<ServerOptions> = {}) {
  return createServer({
    port: 0,
    auth: { secret: SECRET },
    logger: null,
    rooms: {
      demo: { publish: ['demo:message'], history: 1000 },
      private: { authorize: ({ user, id }) => id === user.id, publish: ['private:note'] },
    },
    ...options,
  } as ServerOptions);
}

/** A client for `user`, tuned for tests: quick backoff and heartbeat. */
export function connect(url: string, user: string, options: Partial<ClientOptions> = {}): SinyalClient<TestEvents> {
  return createClient<TestEvents>({
    url,
    token: () => createDevToken(SECRET, user),
    WebSocket: WebSocket as unknown as ClientOptions['WebSocket'],
    reconnect: { initialDelayMs: 50, maxDelayMs: 400 },
    heartbeat: { intervalMs: 1000, timeoutMs: 1000 },
    onError: () => {},
    ...options,
  } as ClientOptions);
}

/** Poll until `check` holds (vitest's waitFor, with a readable default). */
export function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  return vi.waitFor(() => expect(check()).toBe(true), { timeout: timeoutMs, interval: 10 });
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Subscribe to demo messages in a room, recording payloads and seqs. */
export function record(client: SinyalClient<TestEvents>, roomName: string) {
  const room = client.room(roomName);
  const items: Array<{ from: string; n: number; seq: number | undefined }> = [];
  const resets: string[] = [];
  room.onReset((info) => resets.push(info.reason));
  const off = room.on('demo:message', (data, meta) => items.push({ from: data.from, n: data.n, seq: meta.seq }));
  return { room, items, resets, off };
}

export { metric } from './metrics';
