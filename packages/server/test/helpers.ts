import WebSocket from 'ws';
import { SUBPROTOCOL, TOKEN_PROTOCOL_PREFIX, type ServerFrame } from '@sinyal/protocol';
import { afterEach } from 'vitest';
import { createDevToken, createServer, SinyalServerError, type ServerOptions, type SinyalServer } from '../src';
import { metric as readMetric } from '../../../test-utils/metrics';

export const SECRET = 'test-secret-for-sinyal-server-0123456789';

const running = new Set<SinyalServer>();
afterEach(async () => {
  await Promise.all([...running].map((s) => s.close()));
  running.clear();
});

/** Starts a server on an ephemeral port with test defaults; closed after each test. */
export async function startServer(options: Partial<ServerOptions> = {}): Promise<SinyalServer> {
  const server = await createServer({ auth: { secret: SECRET }, logger: null, ...options });
  running.add(server);
  return server;
}

export function token(userId = 'alice', ttlSeconds = 3600, claims: Record<string, unknown> = {}): Promise<string> {
  return createDevToken(SECRET, userId, ttlSeconds, claims);
}

export function protocolsFor(tok: string): string[] {
  return [SUBPROTOCOL, TOKEN_PROTOCOL_PREFIX + Buffer.from(tok).toString('base64url')];
}

export interface ConnectOptions {
  protocols?: string[];
  headers?: Record<string, string>;
  url?: string;
}

/** A raw `ws` client that queues the frames it receives. */
export class RawClient {
  private readonly inbox: unknown[] = [];
  /** Every frame received, in arrival order (not consumed by `next`). */
  readonly log: ServerFrame[] = [];
  private readonly waiters: Array<() => void> = [];
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      const frame: unknown = isBinary ? data : JSON.parse(String(data));
      this.inbox.push(frame);
      this.log.push(frame as ServerFrame);
      for (const wake of this.waiters.splice(0)) wake();
    });
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
  }

  static async connect(server: SinyalServer, userOrToken: string = 'alice', options: ConnectOptions = {}): Promise<RawClient> {
    const tok = userOrToken.includes('.') ? userOrToken : await token(userOrToken);
    const ws = new WebSocket(options.url ?? server.url, options.protocols ?? protocolsFor(tok), { headers: options.headers ?? {} });
    const client = new RawClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return client;
  }

  /** Connects and completes the hello/welcome exchange. */
  static async ready(server: SinyalServer, user = 'alice'): Promise<RawClient> {
    const client = await RawClient.connect(server, user);
    client.send({ t: 'hello', v: 1 });
    await client.next('welcome');
    return client;
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** Resolves with (and removes) the first queued frame matching `t`/`match`, waiting for it if needed. */
  async next<T extends ServerFrame['t']>(
    t?: T,
    match: (frame: Extract<ServerFrame, { t: T }>) => boolean = () => true,
    timeoutMs = 3000,
  ): Promise<Extract<ServerFrame, { t: T }>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.inbox.findIndex(
        (f) => (t === undefined || (f as { t?: string }).t === t) && match(f as Extract<ServerFrame, { t: T }>),
      );
      if (index >= 0) return this.inbox.splice(index, 1)[0] as Extract<ServerFrame, { t: T }>;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${t ?? 'a frame'}; inbox: ${JSON.stringify(this.inbox)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Every frame received so far that is still queued. */
  pending(): unknown[] {
    return [...this.inbox];
  }

  /** Waits `ms` and returns (and clears) what arrived. */
  async drain(ms = 50): Promise<ServerFrame[]> {
    await new Promise((r) => setTimeout(r, ms));
    return this.inbox.splice(0) as ServerFrame[];
  }

  close(): void {
    this.ws.close();
  }
}

/** Attempts an upgrade that the server should refuse; returns the HTTP status and JSON body. */
export function refused(url: string, protocols: string[], headers: Record<string, string> = {}): Promise<{ status: number; body: { code: string; msg: string } }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols, { headers });
    ws.on('open', () => {
      ws.close();
      reject(new Error('upgrade unexpectedly succeeded'));
    });
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(body) as { code: string; msg: string } }));
    });
    ws.on('error', () => {});
  });
}

export async function waitFor(check: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(10);
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Reads one sample of a Prometheus metric (first line matching the name and labels); throws when there is none. */
export async function metric(httpUrl: string, name: string, labels = ''): Promise<number> {
  const value = await readMetric(httpUrl, name, labels);
  if (value === undefined) throw new Error(`metric ${name}{${labels}} not found`);
  return value;
}

/**
 * Runs the traffic whose logs must never show a token or a payload: a refused expired
 * token, a good one, a publish, a failing handler, a refused command and a broken frame,
 * all carrying PAYLOAD-MARKER. Resolves with the log lines joined and the secrets to look for.
 */
export async function exerciseLogging(logger: ServerOptions['logger'], lines: string[]): Promise<{ all: string; secrets: string[] }> {
  const server = await startServer({
    ...(logger === undefined ? {} : { logger }),
    rooms: { demo: { publish: ['demo:msg'] } },
    commands: {
      fail: () => {
        throw new Error('handler failed');
      },
      nope: () => {
        throw new SinyalServerError('forbidden', 'no');
      },
    },
  });
  const good = await token('alice');
  const expired = await token('alice', -5);
  await refused(server.url, protocolsFor(expired));
  const client = await RawClient.connect(server, good);
  client.send({ t: 'hello', v: 1 });
  client.send({ t: 'join', id: 'j', room: 'demo:r' });
  client.send({ t: 'cmd', id: 'c1', name: 'publish', room: 'demo:r', data: { event: 'demo:msg', data: { text: 'PAYLOAD-MARKER' } } });
  client.send({ t: 'cmd', id: 'c2', name: 'fail', data: 'PAYLOAD-MARKER' });
  client.send({ t: 'cmd', id: 'c3', name: 'nope', data: 'PAYLOAD-MARKER' });
  client.send('{"broken": PAYLOAD-MARKER');
  await client.next('nack', (f) => f.id === 'c3');
  await client.next('error');
  client.close();
  await client.closed;
  await waitFor(() => lines.some((l) => l.includes('connection closed')));
  return { all: lines.join('\n'), secrets: [good, expired, 'PAYLOAD-MARKER', Buffer.from(good).toString('base64url')] };
}
