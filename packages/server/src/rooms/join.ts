import type { ErrorCode, JoinFrame, ServerFrame } from '@sinyal/protocol';
import type { AuthUser } from '../auth/authenticator';
import { SinyalServerError } from '../errors';
import type { StoredEvent } from '../store/types';
import type { RoomsContext } from './context';
import { historyOf, historyTtlOf, parseRoom } from './roomKinds';
import { durableEventFrame, type Membership } from './roomRegistry';

/**
 * The connection side of a join, as the rooms layer sees it (the connection layer's
 * `Session` is one): membership of this connection's rooms and how to answer it.
 */
export interface RoomSession {
  readonly id: string;
  readonly user: AuthUser;
  /** True once the connection started closing. */
  readonly closed: boolean;
  /** Rooms this connection is in. */
  readonly roomCount: number;
  hasJoined(room: string): boolean;
  /** Subscribes to `room` with live events held back until the join is answered; `isNew` is false for a re-join. */
  enterRoom(room: string): { membership: Membership; isNew: boolean };
  leaveRoom(room: string): void;
  /** The join was answered: the kind's `onJoin` runs (its `onLeave` follows when the connection leaves). */
  announceJoin(room: string): void;
  send(frame: ServerFrame): void;
  /** Sends a frame already serialised (a replay measured before it is sent). */
  sendSerialized(raw: string, type: ServerFrame['t']): void;
  nack(id: string, code: ErrorCode, msg: string, retryAfterMs?: number, details?: unknown): void;
}

/** When a client should retry a join refused as `unavailable`. */
const RETRY_UNAVAILABLE_MS = 1000;

async function isAuthorized(ctx: RoomsContext, session: RoomSession, frame: JoinFrame): Promise<boolean> {
  const { kind, id } = parseRoom(frame.room);
  const authorize = ctx.rooms.get(kind)?.authorize;
  if (!authorize) return true;
  return (await authorize({ user: session.user, room: frame.room, kind, id, params: frame.params })) === true;
}

/**
 * Replayed events' frames, serialised once per stored event: a store that hands out the same
 * event objects on every read (MemoryStore does) then replays popular history without
 * serialising it again for every resume. Keyed weakly, so it holds nothing the store dropped.
 */
const replayFrames = new WeakMap<StoredEvent, string>();

/** The replayed events serialised, or `undefined` when they come to more than `maxBytes`. */
function serializeReplay(room: string, events: readonly StoredEvent[], maxBytes: number): { frames: string[]; bytes: number; lastSeq: number | undefined } | undefined {
  const frames: string[] = [];
  let bytes = 0;
  for (const event of events) {
    let raw = replayFrames.get(event);
    if (raw === undefined) replayFrames.set(event, (raw = JSON.stringify(durableEventFrame(room, event))));
    bytes += raw.length;
    if (bytes > maxBytes) return undefined;
    frames.push(raw);
  }
  return { frames, bytes, lastSeq: events.at(-1)?.seq };
}

/**
 * Answers a `join`. The session is subscribed before the store is read, with live
 * events held back, so nothing published meanwhile is lost; held events already covered
 * by the answer are dropped by seq. On the wire, in order:
 * - fresh join: `joined {resumed:false, seq: head}`, then live events;
 * - resumable `from`: `joined {resumed:true, seq: from.seq}`, the missed events, then live ones;
 * - non-resumable `from` (other epoch, ahead of the head, or its next event no longer kept
 *   or older than the kind's `historyTtlMs`): `joined {resumed:false, seq: head}`,
 *   `reset {seq: head, reason}`, then live ones;
 * - volatile kind: `joined {seq: 0, resumed:false}`, then live events (no `reset`, nothing replayed).
 * A refused join (also a re-join) leaves the room and gets a `nack`. Joins are rate limited
 * per user (`limits.joinsPerSecond` / `joinBurst`) and a replay is capped
 * (`limits.maxReplayBytes` per join and `limits.replayBytesPerSecond` per user: a bigger
 * one is a reset `history_truncated`).
 */
export async function joinRoom(ctx: RoomsContext, session: RoomSession, frame: JoinFrame): Promise<void> {
  const { room, id } = frame;
  const { kind } = parseRoom(room);
  const kindOptions = ctx.rooms.get(kind);
  // Before `authorize` (which may query a database) and before any history is read.
  const limited = ctx.joinLimiter.take(session.user.id);
  if (!limited.ok) {
    ctx.metrics.limited('join');
    session.nack(id, 'rate_limited', 'too many joins', limited.retryAfterMs);
    return;
  }
  if (!kindOptions) {
    session.leaveRoom(room);
    session.nack(id, 'not_found', `room kind "${kind}" does not exist`);
    return;
  }
  if (!ctx.fanout.health().ok) {
    session.leaveRoom(room);
    session.nack(id, 'unavailable', 'server cannot reach its store, retry later', RETRY_UNAVAILABLE_MS);
    return;
  }

  const startedAt = Date.now();
  let allowed: boolean;
  try {
    allowed = await isAuthorized(ctx, session, frame);
  } catch (error) {
    session.leaveRoom(room);
    if (error instanceof SinyalServerError) session.nack(id, error.code, error.message);
    else {
      ctx.logger.error({ err: error, room, user: session.user.id }, 'authorize hook failed');
      session.nack(id, 'internal', 'internal server error');
    }
    return;
  }
  if (!allowed) {
    session.leaveRoom(room);
    session.nack(id, 'forbidden', `not allowed to join ${room}`);
    return;
  }
  if (session.closed) return;
  if (!session.hasJoined(room) && session.roomCount >= ctx.limits.maxRoomsPerSession) {
    session.nack(id, 'forbidden', `room limit reached: at most ${ctx.limits.maxRoomsPerSession} rooms per connection`);
    return;
  }

  const { membership, isNew } = session.enterRoom(room);
  const member = { user: session.user, room, kind, id: parseRoom(room).id, sessionId: session.id, server: ctx.server };
  /**
   * Whether the join ended while it waited on the store: the session left or closed, or
   * the room was revoked for its user (`server.revoke`) since the join started — a
   * revocation wins over a join that was already past `authorize`.
   */
  const endedMeanwhile = (): boolean => {
    if (ctx.revocations.since(room, session.user.id, startedAt)) {
      session.leaveRoom(room);
      session.nack(id, 'forbidden', `not allowed to join ${room}`);
      return true;
    }
    return !session.hasJoined(room);
  };
  try {
    // Receive the room's live events (into the hold buffer) before reading its head.
    await ctx.fanout.subscribe(room);
    if (endedMeanwhile()) return;
    if (historyOf(kindOptions) === 0) {
      const epoch = await ctx.store.epoch();
      const state = kindOptions.snapshot ? await kindOptions.snapshot(member) : undefined;
      if (endedMeanwhile()) return;
      session.send({ t: 'joined', id, room, epoch, seq: 0, resumed: false, ...(state === undefined ? {} : { state }) });
      membership.release(0);
      if (isNew) session.announceJoin(room);
      return;
    }
    const head = await ctx.store.head(room);
    // Read after subscribing and after the head: a racing event is at worst in both.
    const state = kindOptions.snapshot ? await kindOptions.snapshot(member) : undefined;
    const withState = state === undefined ? {} : { state };
    const { from } = frame;
    const resumable = from !== undefined && from.epoch === head.epoch && from.seq <= head.seq;
    // All or nothing: the store answers 'truncated' when the first missed event is gone or
    // older than the kind's time window, so a resume is either exact or an explicit reset.
    const maxAgeMs = historyTtlOf(kindOptions);
    const missed = resumable ? await ctx.store.readAfter(room, from.seq, maxAgeMs > 0 ? { maxAgeMs } : {}) : 'truncated';
    if (endedMeanwhile()) return;
    // A replay larger than limits.maxReplayBytes is answered with a reset (the client
    // refetches its snapshot instead), so one tiny join cannot make the server send megabytes.
    // …and within what is left of the user's replay budget (no serialising at all once it is spent).
    const allowed = Math.min(ctx.limits.maxReplayBytes, ctx.replayBudget.available(session.user.id));
    const replay = missed === 'truncated' ? undefined : serializeReplay(room, missed, allowed);
    if (replay) ctx.replayBudget.spend(session.user.id, replay.bytes);
    if (from && replay !== undefined) {
      session.send({ t: 'joined', id, room, epoch: head.epoch, seq: from.seq, resumed: true, ...withState });
      for (const raw of replay.frames) session.sendSerialized(raw, 'event');
      membership.release(replay.lastSeq ?? from.seq, head.epoch);
      if (isNew) session.announceJoin(room);
      return;
    }
    session.send({ t: 'joined', id, room, epoch: head.epoch, seq: head.seq, resumed: false, ...withState });
    if (from) {
      // history_truncated also covers a replay over limits.maxReplayBytes.
      const reason = from.epoch !== head.epoch ? 'epoch_changed' : from.seq > head.seq ? 'position_ahead' : 'history_truncated';
      session.send({ t: 'reset', room, epoch: head.epoch, seq: head.seq, reason });
    }
    membership.release(head.seq, head.epoch);
    if (isNew) session.announceJoin(room);
  } catch (error) {
    session.leaveRoom(room);
    if (error instanceof SinyalServerError) return session.nack(id, error.code, error.message);
    ctx.logger.error({ err: error, room }, 'store failed during join');
    session.nack(id, 'unavailable', 'room history unavailable, retry later', RETRY_UNAVAILABLE_MS);
  }
}
