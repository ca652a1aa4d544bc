// Unit edges of the client's state machine against mock-socket (no real network).
import { Server, WebSocket as MockWebSocket, type Client as MockSocket } from 'mock-socket';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createClient, type ConnectionState, type Environment, type WebSocketConstructor } from '../src';

const URL = 'ws://mock.test/ws';
let servers: Server[] = [];

/** A fake server that speaks just enough protocol: welcome, joined, pong. */
function fakeServer(options: { answerPings?: boolean } = {}) {
  const server = new Server(URL);
  servers.push(server);
  const sockets: MockSocket[] = [];
  const received: Array<Record<string, unknown>> = [];
  server.on('connection', (socket) => {
    sockets.push(socket);
    socket.on('message', (raw) => {
      const frame = JSON.parse(String(raw)) as Record<string, unknown>;
      received.push(frame);
      if (frame.t === 'hello') socket.send(JSON.stringify({ t: 'welcome', v: 1, sid: 's', user: 'u1', now: Date.now(), heartbeatTimeoutMs: 30000, maxFrameBytes: 65536 }));
      if (frame.t === 'join') socket.send(JSON.stringify({ t: 'joined', id: frame.id, room: frame.room, epoch: 'e1', seq: 0, resumed: false }));
      if (frame.t === 'ping' && options.answerPings !== false) socket.send(JSON.stringify({ t: 'pong', ts: frame.ts, now: Date.now() }));
    });
  });
  return { server, sockets, received, last: () => sockets[sockets.length - 1]! };
}

const manualEnvironment = () => {
  let online = true;
  let wake = () => {};
  let offline = () => {};
  const environment: Environment = {
    isOnline: () => online,
    listen(onWake, onOffline) {
      wake = onWake;
      offline = onOffline;
      return () => {};
    },
  };
  return { environment, goOffline: () => ((online = false), offline()), goOnline: () => ((online = true), wake()) };
};

function track(client: { subscribe(l: () => void): () => void; state: ConnectionState }) {
  const states: ConnectionState[] = [client.state];
  client.subscribe(() => {
    if (states[states.length - 1] !== client.state) states.push(client.state);
  });
  return states;
}

const until = (check: () => boolean, timeoutMs = 3000) => vi.waitFor(() => expect(check()).toBe(true), { timeout: timeoutMs, interval: 5 });

afterEach(() => {
  for (const server of servers) server.stop();
  servers = [];
});

describe('client state machine (mock-socket)', () => {
  it('idle → connecting → open → reconnecting → open, then closed by the app', async () => {
    const fake = fakeServer();
    const client = createClient({ url: URL, WebSocket: MockWebSocket as unknown as WebSocketConstructor, autoConnect: false, reconnect: { initialDelayMs: 20 }, authProbe: false });
    const states = track(client);
    expect(client.state).toBe('idle');
    client.connect();
    await until(() => client.state === 'open');
    expect(client.user).toBe('u1');
    fake.last().close({ code: 1011, reason: 'boom', wasClean: true });
    await until(() => states.includes('reconnecting') && client.state === 'open');
    client.close();
    expect(states).toEqual(['idle', 'connecting', 'open', 'reconnecting', 'open', 'closed']);
    await new Promise((r) => setTimeout(r, 60));
    expect(client.state).toBe('closed');
    expect(fake.sockets.length).toBe(2);
  });

  it('calls the token provider before every connect', async () => {
    const fake = fakeServer();
    const token = vi.fn(async () => `t${token.mock.calls.length}`);
    const client = createClient({ url: URL, WebSocket: MockWebSocket as unknown as WebSocketConstructor, token, reconnect: { initialDelayMs: 10 }, authProbe: false });
    await until(() => client.state === 'open');
    fake.last().close({ code: 1011, reason: '', wasClean: true });
    await until(() => fake.sockets.length === 2 && client.state === 'open');
    expect(token).toHaveBeenCalledTimes(2);
    client.close();
  });

  it('declares a silent connection dead within interval + timeout and replaces it', async () => {
    const fake = fakeServer({ answerPings: false });
    const client = createClient({
      url: URL,
      WebSocket: MockWebSocket as unknown as WebSocketConstructor,
      heartbeat: { intervalMs: 40, timeoutMs: 40 },
      reconnect: { initialDelayMs: 10 },
      authProbe: false,
    });
    await until(() => client.state === 'open');
    const states = track(client);
    await until(() => fake.sockets.length >= 2 && client.state === 'open', 2000);
    expect(states).toContain('reconnecting');
    expect(client.getSnapshot().attempt).toBe(0);
    client.close();
  });

  it('ends in failed on close 4002 (unsupported protocol version), without retrying', async () => {
    const fake = fakeServer();
    const client = createClient({ url: URL, WebSocket: MockWebSocket as unknown as WebSocketConstructor, reconnect: { initialDelayMs: 10 }, authProbe: false });
    await until(() => client.state === 'open');
    fake.last().close({ code: 4002, reason: 'v2 only', wasClean: true });
    await until(() => client.state === 'failed');
    expect(client.getSnapshot().error?.code).toBe('unsupported_version');
    await new Promise((r) => setTimeout(r, 50));
    expect(fake.sockets.length).toBe(1);
  });

  it('gives up after maxAttempts with an unavailable error', async () => {
    const client = createClient({ url: 'ws://nobody.test/ws', WebSocket: MockWebSocket as unknown as WebSocketConstructor, reconnect: { initialDelayMs: 5, maxAttempts: 3 }, authProbe: false });
    const states = track(client);
    await until(() => client.state === 'failed');
    expect(client.getSnapshot().error?.code).toBe('unavailable');
    expect(states).toEqual(['connecting', 'reconnecting', 'failed']);
  });

  it('bounds each status probe by probeTimeoutMs and keeps to the backoff schedule while probes hang', async () => {
    const probes: Array<'pending' | 'aborted'> = [];
    vi.stubGlobal('fetch', (_url: string, init: { signal: AbortSignal }) => {
      const index = probes.push('pending') - 1;
      // A peer that never answers (Node's first fetch to a balancer that accepts and closes).
      return new Promise((_resolve, reject) => init.signal.addEventListener('abort', () => ((probes[index] = 'aborted'), reject(new Error('aborted')))));
    });
    try {
      const client = createClient({ url: 'ws://nobody.test/ws', WebSocket: MockWebSocket as unknown as WebSocketConstructor, reconnect: { initialDelayMs: 20, maxDelayMs: 40 }, probeTimeoutMs: 150 });
      await until(() => client.getSnapshot().attempt >= 5, 2000); // not held back by hung probes
      await until(() => probes.filter((p) => p === 'aborted').length >= 3, 2000); // each one given up on
      expect(client.state).toBe('reconnecting');
      client.close();
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('waits in offline without timers and retries at once when the network returns', async () => {
    const fake = fakeServer();
    const net = manualEnvironment();
    const client = createClient({ url: URL, WebSocket: MockWebSocket as unknown as WebSocketConstructor, environment: net.environment, reconnect: { initialDelayMs: 60_000 }, authProbe: false });
    await until(() => client.state === 'open');
    net.goOffline();
    fake.last().close({ code: 1006, reason: '', wasClean: false });
    await until(() => client.state === 'offline');
    expect(client.getSnapshot().retryAt).toBeUndefined();
    net.goOnline(); // a 60 s backoff would apply otherwise
    await until(() => client.state === 'open');
    client.close();
  });

  it('an offline event while open checks the connection at once instead of waiting for the next ping', async () => {
    const fake = fakeServer({ answerPings: false });
    const net = manualEnvironment();
    const client = createClient({
      url: URL,
      WebSocket: MockWebSocket as unknown as WebSocketConstructor,
      environment: net.environment,
      heartbeat: { intervalMs: 60_000, timeoutMs: 50 },
      authProbe: false,
    });
    await until(() => client.state === 'open');
    const pingsBefore = fake.received.filter((f) => f.t === 'ping').length;
    net.goOffline(); // the socket stays open but silent, as a browser's offline emulation does
    await until(() => fake.received.filter((f) => f.t === 'ping').length === pingsBefore + 1);
    await until(() => client.state === 'offline', 1000); // no pong within 50 ms → dead; no network → offline
    expect(client.getSnapshot().error?.code).toBe('timeout');
    client.close();
  });

  it('fast-paths a server restart (1012) instead of waiting out the backoff', async () => {
    const fake = fakeServer();
    const client = createClient({ url: URL, WebSocket: MockWebSocket as unknown as WebSocketConstructor, reconnect: { initialDelayMs: 60_000, restartJitterMs: 20 }, authProbe: false });
    await until(() => client.state === 'open');
    fake.last().close({ code: 1012, reason: 'restart', wasClean: true });
    await until(() => fake.sockets.length === 2 && client.state === 'open', 1000);
    client.close();
  });

  it('reports a throwing handler and keeps delivering', async () => {
    const fake = fakeServer();
    const errors: unknown[] = [];
    const client = createClient<{ 'demo:n': { n: number } }>({ url: URL, WebSocket: MockWebSocket as unknown as WebSocketConstructor, onError: (e) => errors.push(e), authProbe: false });
    const seen: number[] = [];
    const room = client.room('demo:a');
    room.on('demo:n', (p) => {
      if (p.n === 1) throw new Error('handler bug');
      seen.push(p.n);
    });
    await until(() => room.getSnapshot().status === 'joined');
    for (const n of [1, 2, 3]) fake.last().send(JSON.stringify({ t: 'event', room: 'demo:a', name: 'demo:n', data: { n }, epoch: 'e1', seq: n }));
    fake.last().send('not json');
    await until(() => seen.length === 2);
    expect(seen).toEqual([2, 3]);
    expect(errors.map((e) => (e as Error).message)).toEqual(['handler bug', expect.stringMatching(/^server frame rejected: SyntaxError/)]);
    expect(client.state).toBe('open');
    client.close();
  });

  it('drops duplicate seqs and asks for a replay on a gap', async () => {
    const fake = fakeServer();
    const client = createClient<{ 'demo:n': { n: number } }>({ url: URL, WebSocket: MockWebSocket as unknown as WebSocketConstructor, authProbe: false });
    const seen: number[] = [];
    const room = client.room('demo:a');
    room.on('demo:n', (p) => seen.push(p.n));
    await until(() => room.getSnapshot().status === 'joined');
    const send = (seq: number) => fake.last().send(JSON.stringify({ t: 'event', room: 'demo:a', name: 'demo:n', data: { n: seq }, epoch: 'e1', seq }));
    send(1);
    send(1);
    send(2);
    send(4); // gap: 3 missing
    await until(() => fake.received.filter((f) => f.t === 'join').length === 2);
    const rejoin = fake.received.filter((f) => f.t === 'join')[1]!;
    expect(rejoin.from).toEqual({ epoch: 'e1', seq: 2 });
    expect(seen).toEqual([1, 2]);
    client.close();
  });

  it('joins a room once for many subscribers and leaves after the last one', async () => {
    const fake = fakeServer();
    const client = createClient({ url: URL, WebSocket: MockWebSocket as unknown as WebSocketConstructor, authProbe: false });
    const room = client.room('demo:a');
    const offs = Array.from({ length: 10 }, () => room.on('demo:x' as never, () => {}));
    const offState = room.subscribe(() => {});
    await until(() => room.getSnapshot().status === 'joined');
    for (const off of offs) off();
    expect(room.getSnapshot().status).toBe('joined');
    offState();
    expect(room.getSnapshot().status).toBe('idle');
    await until(() => fake.received.some((f) => f.t === 'leave'));
    expect(fake.received.filter((f) => f.t === 'join')).toHaveLength(1);
    client.close();
  });
});
