import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { addCount } from '../limits/counts';
import type { Refusal } from './requestListener';

/**
 * The server-wide and per-address connection caps (`limits.maxConnections`,
 * `limits.maxConnectionsPerIp`).
 *
 * - **Server-wide**: every TCP connection the HTTP server holds counts — WebSocket
 *   connections, upgrades being authenticated, HTTP keep-alive sockets. Past the cap an
 *   upgrade is refused with 503 and a plain HTTP request (other than `/health` and the
 *   metrics) with 503 and `Connection: close`; past the cap plus a headroom
 *   ({@link hardLimit}) new TCP connections are dropped as they are accepted, unanswered.
 * - **Per address**: WebSocket and HTTP-transport connections, open or being upgraded, per client address
 *   (found with `trustProxy`; an IPv6 client counts per /64). Past it an upgrade is refused
 *   with 429. Plain HTTP requests are not counted here: they are short (timeouts) and REST
 *   is rate-limited per user.
 */
export class ConnectionCaps {
  #sockets = 0;
  readonly #perAddress = new Map<string, number>();

  constructor(
    readonly maxConnections: number,
    readonly maxPerAddress: number,
  ) {}

  /** TCP connections held now. */
  get sockets(): number {
    return this.#sockets;
  }

  /** Addresses with at least one WebSocket connection. */
  get addresses(): number {
    return this.#perAddress.size;
  }

  /**
   * Where Node drops new TCP connections outright (`server.maxConnections`): the cap plus 10 %
   * (at least 16), so a burst over the cap still gets a readable refusal while a flood of
   * idle sockets cannot grow past it.
   */
  get hardLimit(): number {
    return this.maxConnections + Math.max(16, Math.ceil(this.maxConnections / 10));
  }

  /** Counts the TCP connections of `server` (call once, before it listens). */
  attach(server: Server): void {
    server.maxConnections = this.hardLimit;
    server.on('connection', (socket: Socket) => {
      this.#sockets++;
      socket.once('close', () => this.#sockets--);
    });
  }

  /** Whether the server holds more connections than the cap (the caller's own included). */
  overCapacity(): boolean {
    return this.#sockets > this.maxConnections;
  }

  /**
   * Admits one more WebSocket connection from `address`, counted until `socket` closes, or
   * says why not.
   */
  admitUpgrade(address: string, socket: Duplex): Refusal | undefined {
    const admitted = this.admitAddress(address);
    if (typeof admitted !== 'function') return admitted;
    socket.once('close', admitted);
    return undefined;
  }

  /**
   * Admits one more connection from `address` (an HTTP transport connection, or an upgrade):
   * answers the function that releases it (call it once, when the connection closes), or why not.
   */
  admitAddress(address: string): Refusal | (() => void) {
    if (this.overCapacity()) return { status: 503, code: 'unavailable', msg: 'server at its connection limit, try another node or later' };
    const count = this.#perAddress.get(address) ?? 0;
    if (count >= this.maxPerAddress) return { status: 429, code: 'rate_limited', msg: 'too many connections from this address' };
    addCount(this.#perAddress, address, 1);
    return () => addCount(this.#perAddress, address, -1);
  }
}
