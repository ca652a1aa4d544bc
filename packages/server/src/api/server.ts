import type { Registry } from 'prom-client';
import type { Logger } from '../ops/logger';
import type { Store } from '../store/types';

/** A running server, as returned by {@link createServer}. */
export interface SinyalServer {
  /** WebSocket URL clients connect to, e.g. `ws://127.0.0.1:8080/ws`. */
  readonly url: string;
  /** Base HTTP URL (`/health`, the auth probe at `path`), e.g. `http://127.0.0.1:8080`. */
  readonly httpUrl: string;
  /** The port actually bound (useful with `port: 0`). */
  readonly port: number;
  /**
   * Publishes an event into a room on behalf of the platform (no authorization): a durable
   * event is appended to the room's history and resolves to its position; a volatile one
   * (`volatile: true` or a `history: 0` kind) resolves to `null`. Throws a
   * `SinyalServerError` (`bad_request`, `not_found`) for a malformed room or event, an
   * unconfigured kind, or an event of another kind.
   */
  publish(room: string, event: string, data?: unknown, opts?: PublishOptions): Promise<PublishResult | null>;
  /**
   * Publishes a durable event into a user's own feed, the room `user:<userId>` that each
   * user (and only that user) may join: how features reach one person (an `outbid`, a
   * notification, an inbox update) on every device, with replay after reconnect.
   */
  publishToUser(userId: string, event: string, data?: unknown): Promise<PublishResult | null>;
  /** Number of this node's connections subscribed to `room`. */
  localMembers(room: string): number;
  /**
   * Takes `room` away from every connection of `userId`, on every node (through the
   * fan-out): each gets `left` with code `forbidden` and `reason`, its `onLeave` hooks run,
   * and it receives nothing more from the room. Change what your room kind's `authorize`
   * answers first: every later join (a client's automatic re-join after a reconnect
   * included) asks it again, and a join already past `authorize` when the revocation
   * arrives is refused too.
   */
  revoke(room: string, userId: string, reason?: string): Promise<void>;
  /**
   * Closes every connection of `userId` on every node with `code` (default 4001: the
   * client fetches a new token before reconnecting, so a token provider that refuses the
   * user keeps them out; with `auth.secret` a still-valid token lets them back in —
   * refuse them in your token endpoint or `verify` hook).
   */
  disconnectUser(userId: string, options?: { code?: number; reason?: string }): Promise<void>;
  /** Where room history lives, and command outcomes if the store keeps them (`options.store`, or the default `MemoryStore`). */
  readonly store: Store;
  /** The server's structured logger (features log through it; never log tokens or payloads). */
  readonly logger: Logger;
  /**
   * Stops accepting connections, closes every client with `code` (default 1012, "service
   * restart": clients reconnect at once, possibly to another node), waits up to
   * `limits.shutdownTimeoutMs` for them, then frees the port. Idempotent.
   */
  close(opts?: { code?: number }): Promise<void>;
  /** Number of open WebSocket connections. */
  connections(): number;
  /**
   * This server's Prometheus registry (prom-client), served at `/metrics` unless
   * `metrics: false`. Register application metrics in it, or merge it into another
   * registry with `Registry.merge`.
   */
  readonly metrics: Registry;
}

/** Position assigned to a durable event. */
export interface PublishResult {
  epoch: string;
  seq: number;
}

/** How to publish one event. */
export interface PublishOptions {
  /** Fan out only: no `(epoch, seq)`, not stored, never replayed (typing, viewer counts). */
  volatile?: boolean;
  /** Volatile only: skip every connection of this user (a typist does not see their own typing). */
  exceptUser?: string;
  /**
   * Volatile only: deliver to this node's members of the room, not through the fan-out to
   * other nodes. For a per-node heartbeat such as `auction:timer_sync`, which every node
   * with members sends: through the fan-out each client would get one per node.
   */
  localOnly?: boolean;
}
