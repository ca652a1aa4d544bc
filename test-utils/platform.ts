// The five platform features on a real server on 127.0.0.1, clients that count the rooms
// they join, and a fault proxy — shared by the React and Vue adapter tests.
import { createDevToken, generateVapidKeys, platformFeatures } from '@sinyal/server';
import WebSocket from 'ws';
import { createFaultProxy } from './faultProxy';
import { connect, SECRET, startServer } from './harness';

export const PUBLISH_SECRET = 'adapter-tests-publisher-secret-0123';

/** Cleanups of the current test, run (last first) by the test file's afterEach. */
export const cleanups: Array<() => unknown> = [];

/** `push`: Web Push on (a fresh VAPID key pair; http://127.0.0.1 endpoints allowed, for the local push service). */
export async function startPlatform(options: { push?: boolean } = {}) {
  /** The platform's agents (users created with `agent: true`): their status is visible to everyone, even before they first connect. */
  const agents = new Set<string>();
  const platform = platformFeatures({
    chat: { onError: () => {} },
    auction: { timerSyncIntervalMs: 100, biddersCoalesceMs: 20 },
    presence: { statusVisibility: (_viewer, userId) => agents.has(userId) },
    ...(options.push ? { notification: { push: { vapid: { ...generateVapidKeys(), subject: 'mailto:tests@sinyal.invalid' }, allowInsecureLocalEndpoints: true } } } : {}),
  });
  const server = await startServer({ features: platform.features, publishSecret: PUBLISH_SECRET });
  cleanups.push(() => server.close());
  const proxy = await createFaultProxy({ targetPort: server.port });
  cleanups.push(() => proxy.close());
  /** Every `join` frame any client sent, as `user@room`. */
  const joinFrames: string[] = [];

  function user(id: string, options: { agent?: boolean; viaProxy?: boolean; autoConnect?: boolean } = {}) {
    if (options.agent) agents.add(id);
    class CountingWebSocket extends WebSocket {
      override send(data: unknown, ...rest: unknown[]): void {
        const frame = JSON.parse(String(data)) as { t?: string; room?: string };
        if (frame.t === 'join') joinFrames.push(`${id}@${frame.room}`);
        (super.send as (...args: unknown[]) => void)(data, ...rest);
      }
    }
    const client = connect(options.viaProxy ? `ws://127.0.0.1:${proxy.port}/ws` : server.url, id, {
      WebSocket: CountingWebSocket as never,
      ...(options.agent ? { token: () => createDevToken(SECRET, id, 3600, { role: 'agent' }) } : {}),
      ...(options.autoConnect === undefined ? {} : { autoConnect: options.autoConnect }),
    });
    cleanups.push(() => client.close());
    return client;
  }

  const joinsOf = (room: string) => joinFrames.filter((entry) => entry.endsWith(`@${room}`));
  return { platform, server, proxy, user, joinFrames, joinsOf };
}
