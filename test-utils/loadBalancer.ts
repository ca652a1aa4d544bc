import http from 'node:http';
import net from 'node:net';

/**
 * A tiny round-robin TCP load balancer for multi-node tests (and `npm run cluster`):
 * each new connection goes to the next backend that accepts it; a dead backend
 * (connection refused) is skipped. It knows nothing about WebSocket: no sticky sessions.
 *
 * With `healthCheck` it also behaves like a real balancer's HTTP health check: every
 * `intervalMs` it sends `GET <path>` (default `/health`) to each backend, and a backend
 * that does not answer 200 within `timeoutMs` (a node that lost Redis answers 503) gets no
 * new connections until it answers 200 again. Existing connections are left alone (the
 * node closes them itself). When no backend is healthy it fails open and tries them all,
 * as without health checks.
 *
 * @example
 * ```ts
 * const lb = await createLoadBalancer({ backends: [8081, 8082, 8083], healthCheck: { intervalMs: 100 } });
 * createClient({ url: `ws://127.0.0.1:${lb.port}/ws`, … });
 * ```
 */
export interface LoadBalancer {
  readonly port: number;
  /** Connections accepted per backend port so far. */
  readonly routed: ReadonlyMap<number, number>;
  /** Replaces the backend list (new connections only). */
  setBackends(ports: readonly number[]): void;
  /** Whether the health check currently passes for `port` (always true without `healthCheck`). */
  healthy(port: number): boolean;
  close(): Promise<void>;
}

/** HTTP health checking of the backends (see {@link createLoadBalancer}). */
export interface HealthCheckOptions {
  /** @default '/health' */
  path?: string;
  /** @default 200 */
  intervalMs?: number;
  /** A check without a 200 answer within this long fails. @default 1000 */
  timeoutMs?: number;
}

export async function createLoadBalancer(options: {
  backends: readonly number[];
  host?: string;
  port?: number;
  healthCheck?: HealthCheckOptions;
}): Promise<LoadBalancer> {
  const host = options.host ?? '127.0.0.1';
  let backends = [...options.backends];
  let next = 0;
  const routed = new Map<number, number>();
  const open = new Set<net.Socket>();
  /** Backends whose last health check failed. */
  const unhealthy = new Set<number>();
  const checking = new Map<number, http.ClientRequest>();

  const check = (port: number, path: string, timeoutMs: number): Promise<void> => {
    if (checking.has(port)) return Promise.resolve();
    return new Promise((resolve) => {
      let done = false;
      const finish = (ok: boolean) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        checking.delete(port);
        if (ok) unhealthy.delete(port);
        else unhealthy.add(port);
        resolve();
      };
      const req = http.get({ host, port, path, agent: false, headers: { connection: 'close' } }, (res) => {
        res.resume();
        finish(res.statusCode === 200);
      });
      checking.set(port, req);
      const timer = setTimeout(() => {
        finish(false);
        req.destroy();
      }, timeoutMs);
      req.on('error', () => finish(false));
    });
  };

  let checker: NodeJS.Timeout | undefined;
  if (options.healthCheck) {
    const { path = '/health', intervalMs = 200, timeoutMs = 1000 } = options.healthCheck;
    const checkAll = () => Promise.all(backends.map((port) => check(port, path, timeoutMs)));
    await checkAll();
    checker = setInterval(() => void checkAll(), intervalMs);
  }

  /** Backends to try, in round-robin order from the next position: healthy ones, or all when none is. */
  const candidates = (): number[] => {
    const healthy = backends.filter((port) => !unhealthy.has(port));
    const pool = healthy.length > 0 ? healthy : backends;
    const start = next++;
    return pool.map((_, i) => pool[(start + i) % pool.length]!);
  };

  /** Connects to the first of `ports` that accepts. */
  const connectUpstream = (ports: number[], attempt = 0): Promise<{ socket: net.Socket; port: number } | undefined> => {
    if (attempt >= ports.length) return Promise.resolve(undefined);
    const port = ports[attempt]!;
    return new Promise((resolve) => {
      const socket = net.connect({ host, port });
      socket.once('connect', () => {
        socket.removeAllListeners('error');
        resolve({ socket, port });
      });
      socket.once('error', () => {
        socket.destroy();
        resolve(connectUpstream(ports, attempt + 1));
      });
    });
  };

  const server = net.createServer((client) => {
    open.add(client);
    client.pause();
    client.on('error', () => client.destroy());
    client.on('close', () => open.delete(client));
    void connectUpstream(candidates()).then((upstream) => {
      if (!upstream || client.destroyed) {
        upstream?.socket.destroy();
        client.destroy();
        return;
      }
      const { socket, port } = upstream;
      routed.set(port, (routed.get(port) ?? 0) + 1);
      open.add(socket);
      socket.on('close', () => {
        open.delete(socket);
        client.destroy();
      });
      socket.on('error', () => socket.destroy());
      client.on('close', () => socket.destroy());
      client.pipe(socket);
      socket.pipe(client);
      client.resume();
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, host, resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    routed,
    setBackends: (ports) => {
      backends = [...ports];
    },
    healthy: (port) => !unhealthy.has(port),
    close: async () => {
      clearInterval(checker);
      for (const req of checking.values()) req.destroy();
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
