import type { AuthUser } from '../auth/authenticator';
import type { SinyalServer } from './server';

/** What an `authorize` hook is asked: may `user` join `room`? */
export interface AuthorizeContext {
  user: AuthUser;
  /** Full room name, `kind:id`. */
  room: string;
  kind: string;
  /** The part after the first `:`. */
  id: string;
  /** The `params` the client sent with the join, unvalidated. */
  params: unknown;
}

/** What a `publish` guard is asked: may `user` publish `event` with `data` into `room`? */
export interface PublishContext {
  user: AuthUser;
  room: string;
  /** Event name, `kind:event`. */
  event: string;
  data: unknown;
}

/** Told to membership hooks and `snapshot`: a session joined or left a room. */
export interface MemberContext {
  user: AuthUser;
  room: string;
  kind: string;
  id: string;
  /** The session (connection) that joined or left. */
  sessionId: string;
  server: SinyalServer;
}

/** Rules for every room of one kind (the part of the room name before the first `:`). */
export interface RoomKindOptions {
  /**
   * Decides whether a user may join a room of this kind. Called on every join,
   * including re-joins after a reconnect; nothing is cached, so revoked access takes
   * effect on the next join. Return `false` (or throw a `SinyalServerError`) to refuse.
   * @default undefined (every authenticated user may join)
   */
  authorize?: (ctx: AuthorizeContext) => boolean | Promise<boolean>;
  /**
   * Number of events kept per room so reconnecting clients can resume. `0` makes the
   * kind volatile: events carry no `(epoch, seq)`, are not stored and never replayed.
   * @default 500
   */
  history?: number;
  /**
   * Time window of resume, in ms: an event is replayed to a resuming client only while it
   * is at most this old (its `at`, measured by the store's clock). A client whose first
   * missed event is older gets `reset` (`history_truncated`) — never a partial replay —
   * and refetches; within the window it gets exactly what it missed (as long as the
   * `history` count still holds it). Events past the window are dropped from the store
   * when a resume reads the room. Like Centrifuge's `history_ttl`; `0` = no time limit,
   * only `history` counts. Ignored by volatile kinds.
   * @default 0
   */
  historyTtlMs?: number;
  /**
   * Which events clients may publish into rooms of this kind with the built-in
   * `publish` command: a list of event names, or a guard called per publish.
   * The server's own `publish()` is not subject to it.
   * @default undefined (clients may not publish)
   */
  publish?: readonly string[] | ((ctx: PublishContext) => boolean | Promise<boolean>);
  /**
   * State sent with every `joined` answer (`joined.state`), e.g. an auction's current
   * price or a conversation's latest messages. Read after the session is subscribed, so
   * an event racing the join is at worst seen twice (clients dedupe by entity id), never lost.
   * @default undefined (no state)
   */
  snapshot?: (ctx: MemberContext) => unknown;
  /** A session joined a room of this kind (not called again for a re-join of the same room). */
  onJoin?: (ctx: MemberContext) => void | Promise<void>;
  /** A session left a room of this kind: `leave`, a refused re-join, or the connection closed. */
  onLeave?: (ctx: MemberContext) => void | Promise<void>;
}
