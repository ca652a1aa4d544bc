import net from 'node:net';

/**
 * A tiny round-robin TCP load balancer for multi-node tests (and `npm run cluster`):
 * each new connection goes to the next backend that accepts it; a dead backend
 * (connection refused) is skipped, as a real balancer with health checks would. It
 * knows nothing about WebSocket: no sticky sessions.
 *
 * @example
 * ```ts
 * const lb = await createLoadBalancer({ backends: [8081, 8082, 8083] });
 * createClient({ url: `ws://127.0.0.1:${lb.port}/ws`, … });
 * ```
 */
export interface LoadBalancer {
  readonly port: number;
  /** Connections accepted per backend port so far. */
  readonly routed: ReadonlyMap<number, number>;
  /** Replaces the backend list (new connections only). */
  setBackends(ports: readonly number[]): void;
  close(): Promise<void>;
}

export async function createLoadBalancer(options: { backends: readonly number[]; host?: string; port?: number }): Promise<LoadBalancer> {
  const host = options.host ?? '127.0.0.1';
  let backends = [...options.backends];
  let next = 0;
  const routed = new Map<number, number>();
  const open = new Set<net.Socket>();

  /** Connects to the first backend, from the round-robin position, that accepts. */
  const connectUpstream = (attempt = 0): Promise<{ socket: net.Socket; port: number } | undefined> => {
    if (attempt >= backends.length) return Promise.resolve(undefined);
    const port = backends[next++ % backends.length]!;
    return new Promise((resolve) => {
      const socket = net.connect({ host, port });
      socket.once('connect', () => {
        socket.removeAllListeners('error');
        resolve({ socket, port });
      });
      socket.once('error', () => {
        socket.destroy();
        resolve(connectUpstream(attempt + 1));
      });
    });
  };

  const server = net.createServer((client) => {
    open.add(client);
    client.pause();
    client.on('error', () => client.destroy());
    client.on('close', () => open.delete(client));
    void connectUpstream().then((upstream) => {
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
    close: async () => {
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
