import type { AuthUser } from '../auth/authenticator';
import type { CommandEntry } from './commands';
import type { ActionRateLimit } from './limits';
import type { RoomKindOptions } from './rooms';
import type { Route } from './routes';
import type { SinyalServer } from './server';

/** Told to connection hooks: who connected or disconnected, on which session. */
export interface ConnectionContext {
  user: AuthUser;
  sessionId: string;
  server: SinyalServer;
}

/**
 * A bundle of room kinds, commands, HTTP routes and lifecycle hooks that together make
 * one product feature (chat, auction, presence…). `createServer({ features })` merges
 * them with the top-level `rooms`, `commands` and `routes`; a name defined twice is an
 * error, so features cannot silently override each other.
 *
 * @example
 * ```ts
 * const echo: Feature = {
 *   name: 'echo',
 *   commands: { 'echo:say': ({ data }) => data },
 *   routes: [{ method: 'GET', path: '/api/echo', auth: 'user', handler: ({ user }) => ({ you: user!.id }) }],
 * };
 * await createServer({ auth, features: [echo] });
 * ```
 */
export interface Feature {
  /** For error messages and logs. */
  name: string;
  rooms?: Record<string, RoomKindOptions>;
  commands?: Record<string, CommandEntry>;
  routes?: readonly Route[];
  /**
   * Default per-action rate limits of this feature's noisy commands (typing, receipts,
   * status changes…): a token bucket per user per command name, as in
   * `ServerOptions.rateLimits`, which overrides them name by name (`false` removes one).
   */
  rateLimits?: Readonly<Record<string, ActionRateLimit>>;
  /** A connection finished its handshake (`welcome` sent). */
  onConnect?(ctx: ConnectionContext): void | Promise<void>;
  /** A welcomed connection closed, for any reason. */
  onDisconnect?(ctx: ConnectionContext): void | Promise<void>;
  /** The server is listening: start timers here. */
  start?(server: SinyalServer): void | Promise<void>;
  /** The server is closing: stop timers, flush state. */
  stop?(): void | Promise<void>;
}

