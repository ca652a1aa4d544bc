import type { AuthUser } from './auth';

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
   * Which events clients may publish into rooms of this kind with the built-in
   * `publish` command: a list of event names, or a guard called per publish.
   * The server's own `publish()` is not subject to it.
   * @default undefined (clients may not publish)
   */
  publish?: readonly string[] | ((ctx: PublishContext) => boolean | Promise<boolean>);
}

/** Default {@link RoomKindOptions.history}. */
export const DEFAULT_HISTORY = 500;

/** Splits `kind:id` at the first `:`. Room names are validated by the protocol schema before this. */
export function parseRoom(room: string): { kind: string; id: string } {
  const colon = room.indexOf(':');
  return colon < 0 ? { kind: room, id: '' } : { kind: room.slice(0, colon), id: room.slice(colon + 1) };
}

/** Number of events a room of this kind keeps (0 = volatile). */
export function historyOf(kind: RoomKindOptions): number {
  return kind.history ?? DEFAULT_HISTORY;
}

/** Whether clients may publish `ctx.event` into `ctx.room` under these rules. */
export async function mayPublish(kind: RoomKindOptions, ctx: PublishContext): Promise<boolean> {
  const rule = kind.publish;
  if (rule === undefined) return false;
  if (typeof rule === 'function') return (await rule(ctx)) === true;
  return rule.includes(ctx.event);
}
