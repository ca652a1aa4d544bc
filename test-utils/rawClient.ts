// A bare protocol client over `ws` (no outbox, no retries): for tests that must control
// exactly which frame goes to which node.
import { createDevToken } from '@sinyal/server';
import WebSocket from 'ws';

export interface RawFrame {
  t: string;
  id?: string;
  [key: string]: unknown;
}

export interface RawClient {
  /** Every frame received so far, in order. */
  readonly frames: RawFrame[];
  send(frame: object): void;
  /** The first received frame (past or future) matching `match` that no earlier `next` returned. */
  next(match: (frame: RawFrame) => boolean, timeoutMs?: number): Promise<RawFrame>;
  /** Joins and waits for `joined`. */
  join(room: string): Promise<RawFrame>;
  close(): void;
}

let ids = 0;

/** Connects as `user` (token signed with `secret`, with extra `claims`) and completes the `hello`/`welcome` handshake. */
export async function rawClient(url: string, secret: string, user: string, claims: Record<string, unknown> = {}): Promise<RawClient> {
  const token = await createDevToken(secret, user, 3600, claims);
  const ws = new WebSocket(url, ['sinyal.v1', `sinyal.bearer.${Buffer.from(token).toString('base64url')}`]);
  const frames: RawFrame[] = [];
  const taken = new Set<RawFrame>();
  const waiters = new Set<() => void>();
  ws.on('message', (data) => {
    frames.push(JSON.parse(String(data)) as RawFrame);
    for (const wake of [...waiters]) wake();
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const client: RawClient = {
    frames,
    send: (frame) => ws.send(JSON.stringify(frame)),
    next: (match, timeoutMs = 10_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const found = frames.find((f) => !taken.has(f) && match(f));
          if (!found) return false;
          taken.add(found);
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error('no matching frame in time'));
        }, timeoutMs);
        if (!check()) waiters.add(check);
      }),
    join: (room) => {
      const id = `j${++ids}`;
      client.send({ t: 'join', id, room });
      return client.next((f) => f.id === id && f.t === 'joined');
    },
    close: () => ws.close(),
  };
  client.send({ t: 'hello', v: 1 });
  await client.next((f) => f.t === 'welcome');
  return client;
}
