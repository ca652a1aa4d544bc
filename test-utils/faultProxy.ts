import net from 'node:net';

/**
 * A TCP proxy for fault-injection tests: sits between clients and a server on
 * 127.0.0.1 and can cut every connection, stall them (stop forwarding without
 * closing — what a dead NAT or a yanked cable looks like), or add latency.
 *
 * @example
 * ```ts
 * const proxy = await createFaultProxy({ targetPort: server.port });
 * const client = createClient({ url: `ws://127.0.0.1:${proxy.port}/ws`, … });
 * proxy.cutAll();            // every open connection dies at once (TCP reset)
 * proxy.stall(true);         // nothing gets through, sockets stay open (held bytes arrive after stall(false))
 * proxy.setDelay(200);       // 200 ms added to each direction
 * ```
 */
export interface FaultProxy {
  readonly port: number;
  /** Destroy every proxied connection now (client and server side). */
  cutAll(): number;
  /**
   * While stalled, nothing is forwarded in either direction (new connections are accepted
   * but get no answer): what a black-holed path looks like. The bytes are held and delivered,
   * late and in order, when the stall ends — as TCP's retransmissions would — unless a side
   * has given up and closed the connection by then.
   */
  stall(stalled: boolean): void;
  /** Extra latency per direction, in ms (order preserved). */
  setDelay(ms: number): void;
  /** Refuse (reset) new connections while true, e.g. to simulate the server being unreachable. */
  refuse(refusing: boolean): void;
  /**
   * While true, a connection that asks for a WebSocket upgrade is reset (a middlebox that
   * breaks upgrades); plain HTTP requests pass. Answers nothing; counts them in `upgradesRefused`.
   */
  refuseUpgrades(refusing: boolean): void;
  /** Upgrade requests reset by {@link FaultProxy.refuseUpgrades} so far. */
  upgradesRefused(): number;
  /**
   * While true, nothing of a response with `Content-Type: text/event-stream` reaches the client
   * (a proxy that buffers whole responses, in front of a stream that does not end); other
   * responses pass.
   */
  bufferEventStreams(buffering: boolean): void;
  /** Connections currently open through the proxy. */
  connections(): number;
  /** Total connections accepted so far. */
  accepted(): number;
  close(): Promise<void>;
}

export async function createFaultProxy(options: { targetPort: number; targetHost?: string; port?: number }): Promise<FaultProxy> {
  const pairs = new Set<{ client: net.Socket; upstream: net.Socket }>();
  let stalled = false;
  let refusing = false;
  let delayMs = 0;
  let accepted = 0;
  let refusingUpgrades = false;
  let upgradesRefused = 0;
  let buffering = false;

  /** While stalled: resolves when the stall ends. */
  let stallOver: Promise<void> | undefined;
  let endStall = () => {};

  const pipe = (from: net.Socket, to: net.Socket, direction: 'up' | 'down') => {
    // A promise chain per direction keeps chunk order under any delay or stall.
    let chain = Promise.resolve();
    /** An event stream behind a buffering proxy: nothing more of it gets through. */
    let held = false;
    from.on('data', (chunk: Buffer) => {
      if (direction === 'up' && refusingUpgrades && /\r\nupgrade:\s*websocket/i.test(chunk.toString('latin1'))) {
        upgradesRefused++;
        from.destroy();
        to.destroy();
        return;
      }
      if (direction === 'down' && buffering && /\r\ncontent-type:\s*text\/event-stream/i.test(chunk.toString('latin1'))) held = true;
      if (held) return;
      const wait = delayMs;
      chain = chain
        .then(() => (wait > 0 ? new Promise<void>((resolve) => setTimeout(resolve, wait)) : undefined))
        // Held, not dropped, while stalled: TCP retransmits what a black-holed path loses, so
        // after a stall the bytes arrive late and in order — unless a side gave up and closed.
        .then(() => stallOver)
        .then(() => void (to.destroyed || to.write(chunk)));
    });
  };

  const server = net.createServer((client) => {
    accepted++;
    if (refusing) {
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect({ port: options.targetPort, host: options.targetHost ?? '127.0.0.1' });
    const pair = { client, upstream };
    pairs.add(pair);
    const teardown = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', teardown).on('close', teardown);
    upstream.on('error', teardown).on('close', teardown);
    pipe(client, upstream, 'up');
    pipe(upstream, client, 'down');
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;

  return {
    port,
    cutAll() {
      const count = pairs.size;
      for (const { client, upstream } of [...pairs]) {
        client.resetAndDestroy();
        upstream.destroy();
      }
      pairs.clear();
      return count;
    },
    stall(value) {
      if (value && !stalled) stallOver = new Promise<void>((resolve) => (endStall = resolve));
      if (!value && stalled) {
        stallOver = undefined;
        endStall();
      }
      stalled = value;
    },
    setDelay(ms) {
      delayMs = ms;
    },
    refuse(value) {
      refusing = value;
    },
    refuseUpgrades(value) {
      refusingUpgrades = value;
    },
    upgradesRefused: () => upgradesRefused,
    bufferEventStreams(value) {
      buffering = value;
    },
    connections: () => pairs.size,
    accepted: () => accepted,
    async close() {
      for (const { client, upstream } of [...pairs]) {
        client.destroy();
        upstream.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
