import { randomBytes } from 'node:crypto';
import WebSocket, { type RawData } from 'ws';
import type { SessionSocket } from '../wire/httpSocket';
import { CloseCodes, PROTOCOL_VERSION, type ClientFrame, type CommandFrame, type ErrorCode, type HelloFrame, type JoinFrame, type LeaveFrame, type ServerFrame } from '@sinyal/protocol';
import { parseClientFrame } from '@sinyal/protocol/schema';
import type { AuthUser } from '../auth/authenticator';
import type { CommandContext } from '../api/commands';
import { runCommand } from '../commands/commandTable';
import { FrameQueue } from './frameQueue';
import { RefusalHold } from '../limits/refusalHold';
import type { ServerContext } from './context';
import type { HeartbeatPeer } from './heartbeat';
import { joinRoom, type RoomSession } from '../rooms/join';
import { ALLOWED, TokenBucket, type RateDecision } from '../limits/rateLimiter';
import { FlushScheduler, HeldSocket } from '../wire/flushScheduler';
import { frameWriterOf, socketOf, type FrameWriter } from '../wire/wsInternals';
import type { Membership, Subscriber } from '../rooms/roomRegistry';
import type { SharedFrame } from '../wire/sharedFrame';
import { callRoomHook, runHook } from './hooks';
import { waitAtMost } from '../time';

/** Longest `leave` frame: `{"t":"leave","room":…}` with a room name of at most 256 characters, plus slack. */
const MAX_LEAVE_FRAME_CHARS = 512;
/** A connection closed for flooding gets this long for the close frame before it is cut off. */
const POLICY_CLOSE_GRACE_MS = 200;
const LEADING_ID = /"id"\s*:\s*"([^"\\]{1,64})"/;

/**
 * The `id` near the start of a frame that is refused unparsed (over the rate limit). Only
 * used to address the `rate_limited` nack; nothing is decided on it.
 */
/** A frame that starts as a command (`{"t":"cmd"`): only used to hold later commands behind a refused one, never to let one through. */
const LEADING_CMD = /^\s*\{\s*"t"\s*:\s*"cmd"/;
/** The one key of a connection's {@link RefusalHold} for its frame limit. */
const FRAME_HOLD_KEY = 'frames';

function leadingId(text: string): string | undefined {
  return LEADING_ID.exec(text.slice(0, 256))?.[1];
}

/** The `id` of a parsed frame, if it has one (answers to refused frames use it). */
function frameId(frame: ClientFrame): string | undefined {
  return 'id' in frame ? frame.id : undefined;
}

/** Largest delay setTimeout accepts; longer waits are re-armed. */
const MAX_TIMER_MS = 2_147_483_647;
/** How long a closing peer gets to finish the close handshake before it is cut off. */
const CLOSE_GRACE_MS = 1000;
/** Shortest close handshake a draining connection gets, even past the shutdown deadline. */
const MIN_DRAIN_GRACE_MS = 100;

function toText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

/**
 * The close code ws sends when it refuses an inbound frame (it closes the connection
 * itself): 1009 too big, 1007 invalid UTF-8, 1002 any other protocol error.
 */
function wsErrorCloseCode(err: Error & { code?: string }): number | undefined {
  if (typeof err.code !== 'string' || !err.code.startsWith('WS_ERR_')) return undefined;
  if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') return CloseCodes.MESSAGE_TOO_BIG;
  return err.code === 'WS_ERR_INVALID_UTF8' ? 1007 : 1002;
}

/**
 * One connected, authenticated socket: a WebSocket, or the HTTP transport's connection
 * (`wire/httpSocket.ts`), which looks the same from here. Joins, leaves and commands are handled strictly in
 * arrival order ({@link FrameQueue}), so a client may pipeline `hello`, joins and commands
 * without waiting, and its commands run in the order sent even when handlers are async.
 * `ping` is answered at once and refused frames (bad, over the rate limit) are answered at
 * once: neither waits behind a slow command. Live room events are written as they happen
 * and do not wait behind that queue either.
 */
export class Session implements Subscriber, HeartbeatPeer, RoomSession {
  readonly id = randomBytes(12).toString('base64url');
  /** Resolves once the socket is closed. */
  readonly whenClosed: Promise<void>;
  private readonly rooms = new Set<string>();
  /** Rooms whose `onJoin` hook ran (so `onLeave` runs exactly once for each). */
  private readonly announced = new Set<string>();
  private greeted = false;
  private cleanedUp = false;
  /** This connection's write batching (null if ws exposes no socket, or with `batchWrites: false`). */
  private readonly out: HeldSocket | null;
  /** Writes pre-framed broadcast bytes through ws' sender, when it safely can (see wire/wsInternals.ts). */
  private readonly frameWriter: FrameWriter | null;
  private disconnectAnnounced = false;
  private closing = false;
  /** Close code the server sent (its own `close`, or ws refusing a frame), for the metrics. */
  private closedWith: number | undefined;
  /** Keeps commands in order across refusals by the frame limit; created at the first one. */
  private frameHold: RefusalHold | undefined;
  /** Shutting down: frames not yet started are skipped (the client re-sends them elsewhere). */
  private draining = false;
  private frames = 0;
  /** Allowance of frames over the rate limit (created on the first one). */
  private overLimit: TokenBucket | undefined;
  /** Bytes of live events held back while this connection's joins are answered (see {@link Session.holding}). */
  private heldBytes = 0;
  /** Joins, leaves and commands, in arrival order (see {@link FrameQueue}). */
  private readonly queue: FrameQueue;
  private seenAt = Date.now();
  private expiryTimer: NodeJS.Timeout | undefined;
  private killTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ws: SessionSocket,
    readonly user: AuthUser,
    private readonly ctx: ServerContext,
    /** Write batching shared by the server's connections; `null`: every frame is its own socket write. */
    private readonly flusher: FlushScheduler | null = new FlushScheduler(),
  ) {
    const socket = flusher ? socketOf(ws) : null;
    this.out = socket ? new HeldSocket(socket) : null;
    this.frameWriter = frameWriterOf(ws);
    this.queue = new FrameQueue((err) => ctx.logger.error({ err, sid: this.id, user: user.id }, 'frame handling failed'));
    this.whenClosed = new Promise((resolve) => {
      ws.on('close', (code) => {
        // The code the server closed with, when it did: a peer that never answers the close
        // frame (a slow consumer cannot even read it) would otherwise be counted as 1006.
        ctx.metrics.disconnected(this.closedWith ?? code);
        this.cleanUp();
        ctx.logger.debug?.({ sid: this.id, user: user.id, code }, 'connection closed');
        resolve();
      });
    });
    // ws reports protocol errors (oversized or malformed frames) here, then closes the socket itself.
    ws.on('error', (err) => {
      this.closedWith ??= wsErrorCloseCode(err);
      ctx.logger.debug?.({ sid: this.id, user: user.id, err: err.message }, 'socket error');
    });
    ws.on('message', (data, isBinary) => this.receive(data, isBinary));
    this.armExpiry();
  }

  get userId(): string {
    return this.user.id;
  }

  /** When the peer last sent a frame (ms since epoch). */
  get lastSeen(): number {
    return this.seenAt;
  }

  /** True once the session started closing; nothing more is sent or processed. */
  get closed(): boolean {
    return this.closing;
  }

  /** Rooms this connection is in. */
  get roomCount(): number {
    return this.rooms.size;
  }

  /** {@link Session.hasJoined} as a function of its own, for each command's context. */
  private readonly hasJoinedRoom = (room: string): boolean => this.hasJoined(room);

  hasJoined(room: string): boolean {
    return this.rooms.has(room);
  }

  /**
   * Subscribes to `room` with live events held back until the join is answered.
   * `isNew` is false for a re-join of a room the session is already in.
   */
  enterRoom(room: string): { membership: Membership; isNew: boolean } {
    const isNew = !this.rooms.has(room);
    this.rooms.add(room);
    return { membership: this.ctx.registry.join(room, this), isNew };
  }

  leaveRoom(room: string): void {
    if (!this.rooms.delete(room)) return;
    this.ctx.registry.leave(room, this);
    if (this.announced.delete(room)) callRoomHook(this.ctx, 'onLeave', this, room);
  }

  /** The room was taken away (`server.revoke`): leave it and tell the client why. */
  revoke(room: string, reason: string): void {
    if (!this.rooms.has(room)) return;
    this.leaveRoom(room);
    this.send({ t: 'left', room, code: 'forbidden', msg: reason });
  }

  /** The join of `room` was answered: tell the kind's `onJoin` (its `onLeave` follows when the session leaves). */
  announceJoin(room: string): void {
    if (!this.rooms.has(room) || this.announced.has(room)) return;
    this.announced.add(room);
    callRoomHook(this.ctx, 'onJoin', this, room);
  }

  send(frame: ServerFrame): void {
    if (this.write(JSON.stringify(frame), frame.t) && (frame.t === 'nack' || frame.t === 'error')) this.ctx.metrics.error(frame.code);
  }

  /** Sends a frame already serialised (e.g. a replay measured before it is sent). */
  sendSerialized(raw: string, type: ServerFrame['t']): void {
    this.write(raw, type);
  }

  /**
   * Writes a broadcast frame (serialised and framed once for all members), dropping the
   * connection instead if its send buffer is over the limit. Without permessage-deflate the
   * shared frame bytes are handed to ws' sender as they are, the way ws writes any frame
   * it built itself, only when ws is not compressing or queueing on this connection (so
   * they cannot overtake or split a frame of its own, e.g. a close frame).
   */
  sendShared(frame: SharedFrame): void {
    if (!this.writable()) return;
    const bytes = this.frameWriter ? frame.wsFrame() : null;
    if (this.out) this.flusher!.beforeWrite(this.out, bytes ? bytes.length : frame.raw.length, frame.lane);
    if (!bytes || !this.frameWriter!(bytes)) this.ws.send(frame.raw);
    this.ctx.metrics.messageOut('event');
  }

  /**
   * The live events held back for this connection's joins in progress (a busy room while
   * its history is read from a slow store) changed by `deltaBytes`. They would be written
   * once the join is answered, so they are bounded like the send buffer: past
   * `limits.maxBufferedBytes` the connection is dropped as a slow consumer (4009), and the
   * client resumes from its last seq when it reconnects.
   */
  holding(deltaBytes: number): void {
    this.heldBytes += deltaBytes;
    if (deltaBytes > 0 && this.heldBytes > this.ctx.limits.maxBufferedBytes && !this.closing) this.dropSlowConsumer({ held: this.heldBytes });
  }

  /** Closes a connection that cannot take its frames in time (4009); the client resumes from its last seq. */
  private dropSlowConsumer(bytes: { buffered: number } | { held: number }): void {
    this.ctx.logger.warn({ sid: this.id, user: this.user.id, ...bytes }, 'dropping slow consumer');
    this.close(CloseCodes.SLOW_CONSUMER, 'slow consumer');
  }

  /** Whether a frame may be written now; drops a slow consumer (and answers false). */
  private writable(): boolean {
    if (this.closing || this.ws.readyState !== WebSocket.OPEN) return false;
    // Bytes the flush scheduler is only holding back for now are not a sign of a slow consumer.
    const buffered = this.ws.bufferedAmount - (this.out ? this.out.heldBytes : 0);
    if (buffered > this.ctx.limits.maxBufferedBytes) {
      this.dropSlowConsumer({ buffered });
      return false;
    }
    return true;
  }

  /**
   * Writes a serialised frame unless the connection is closing or a slow consumer (then
   * dropped); true if written. Frames sent to one socket while the current I/O callback
   * runs (a publisher's ack and its own echoed event, the events of several publishes read
   * together, a replay after a join) leave in one socket write: see {@link FlushScheduler}.
   */
  private write(raw: string, type: ServerFrame['t']): boolean {
    if (!this.writable()) return false;
    if (this.out) this.flusher!.beforeWrite(this.out, raw.length);
    this.ws.send(raw);
    this.ctx.metrics.messageOut(type);
    return true;
  }

  /**
   * Graceful shutdown of this connection: stops taking frames, lets the frame being
   * handled finish (its ack still goes out) until `deadline` (ms since epoch), skips the
   * queued ones (the client re-sends unacknowledged commands after reconnecting; dedupe
   * makes that safe), then closes with `code` and cuts the socket off at `deadline`
   * (at least a short grace later). Resolves once the socket is closed.
   */
  async drain(code: number, reason: string, deadline: number): Promise<void> {
    if (!this.closing) {
      this.draining = true;
      await waitAtMost(this.queue.whenIdle(), deadline - Date.now());
      this.close(code, reason, Math.max(MIN_DRAIN_GRACE_MS, deadline - Date.now()));
    }
    await this.whenClosed;
  }

  nack(id: string, code: ErrorCode, msg: string, retryAfterMs?: number, details?: unknown): void {
    this.send({ t: 'nack', id, code, msg, ...(retryAfterMs === undefined ? {} : { retryAfterMs }), ...(details === undefined ? {} : { data: details }) });
  }

  /** Closes with `code`, leaves all rooms at once, and cuts the socket off after `graceMs`. */
  close(code: number, reason: string, graceMs = CLOSE_GRACE_MS): void {
    if (this.closing) return;
    this.closing = true;
    this.closedWith ??= code;
    this.leaveAllRooms();
    this.announceDisconnect(); // now, not when the peer finally acknowledges the close
    clearTimeout(this.expiryTimer);
    // What is held back (e.g. the last acks of a draining connection) goes before the close frame.
    if (this.out) this.flusher!.flush(this.out);
    this.ws.close(code, reason);
    this.killTimer = setTimeout(() => this.ws.terminate(), graceMs);
    this.killTimer.unref();
  }

  /**
   * Takes one inbound frame. Everything is decided here, synchronously, on the parsed
   * frame: the rate limit (a `leave` is honoured even over it, a connection that keeps
   * sending far over it is closed with 1008 without parsing any more), `hello`, `ping`
   * (answered at once, never behind a slow command) and bad frames. Joins, leaves and
   * commands then run in arrival order through {@link Session.enqueue}.
   */
  private receive(data: RawData, isBinary: boolean): void {
    this.seenAt = Date.now();
    if (this.closing || this.draining) return;
    const { metrics } = this.ctx;
    // The first frame (hello) is free so a rate-limited user can still reconnect and be told why.
    const decision: RateDecision = this.frames++ === 0 ? ALLOWED : this.ctx.rateLimiter.take(this.user.id);
    if (!decision.ok && !this.mayExceedLimit()) {
      metrics.messageIn('rate_limited');
      metrics.limited('user');
      this.ctx.logger.warn({ sid: this.id, user: this.user.id }, 'closing a connection that keeps sending over its rate limit');
      // Stop reading at once: the rest of the flood is never parsed, only discarded with the socket.
      this.ws.pause();
      this.ctx.cooldowns.start(this.user.id, this.ctx.limits.floodCooldownMs);
      this.close(CloseCodes.POLICY_VIOLATION, 'rate limit exceeded', POLICY_CLOSE_GRACE_MS);
      return;
    }
    if (isBinary) {
      metrics.messageIn(decision.ok ? 'binary' : 'rate_limited');
      return this.reject(undefined, decision.ok ? 'invalid_frame' : 'rate_limited', decision.ok ? 'binary frames are not supported; send JSON text' : 'too many messages', decision.ok ? undefined : decision.retryAfterMs);
    }
    const text = toText(data);
    if (!decision.ok && text.length > MAX_LEAVE_FRAME_CHARS) {
      // Over the limit and too long to be a `leave`: refused without parsing it. The id (to
      // address the nack, so a client's outbox can retry) is read from the frame's start.
      metrics.messageIn('rate_limited');
      metrics.limited('user');
      const id = leadingId(text);
      if (id !== undefined && LEADING_CMD.test(text)) this.holdAfter(id, decision.retryAfterMs);
      return this.reject(id, 'rate_limited', 'too many messages', decision.retryAfterMs);
    }
    const parsed = parseClientFrame(text);
    // `leave` frees resources, so it is honoured even over the limit: decided on the parsed type.
    if (!decision.ok && !(parsed.ok && parsed.frame.t === 'leave')) {
      metrics.messageIn('rate_limited');
      metrics.limited('user');
      if (parsed.ok && parsed.frame.t === 'cmd') this.holdAfter(parsed.frame.id, decision.retryAfterMs);
      return this.reject(parsed.ok ? frameId(parsed.frame) : parsed.id, 'rate_limited', 'too many messages', decision.retryAfterMs);
    }
    // A command after one refused above waits behind it, so a refusal never reorders commands.
    if (parsed.ok && parsed.frame.t === 'cmd' && this.frameHold) {
      const held = this.frameHold.check(FRAME_HOLD_KEY, parsed.frame.id);
      if (!held.ok) {
        metrics.messageIn('rate_limited');
        return this.reject(parsed.frame.id, 'rate_limited', 'too many messages', held.retryAfterMs);
      }
    }
    metrics.messageIn(parsed.ok ? parsed.frame.t : 'invalid');
    if (!this.greeted) {
      if (parsed.ok && parsed.frame.t === 'hello') return this.hello(parsed.frame);
      return this.reject(undefined, 'invalid_frame', parsed.ok ? 'the first frame must be hello' : `${parsed.msg}; the first frame must be hello`);
    }
    if (!parsed.ok) return this.reject(parsed.id, parsed.code, parsed.msg);
    const frame = parsed.frame;
    switch (frame.t) {
      case 'hello':
        return this.reject(undefined, 'invalid_frame', 'duplicate hello');
      case 'ping':
        return this.send({ t: 'pong', ts: frame.ts, now: Date.now() });
      default:
        return this.enqueue(frame);
    }
  }

  /**
   * Whether one more frame over the rate limit is tolerated (it is answered `rate_limited`).
   * Each connection has an allowance of `limits.overLimitFrames` such frames, refilled at
   * `limits.messagesPerSecond`: a client that backs off as told never runs out; one that
   * floods does, and is closed before its frames cost more than that.
   */
  /** A command `id` was refused by the frame limit: later commands wait behind it ({@link RefusalHold}). */
  private holdAfter(id: string, retryAfterMs: number): void {
    (this.frameHold ??= new RefusalHold()).refused(FRAME_HOLD_KEY, id, retryAfterMs);
  }

  private mayExceedLimit(): boolean {
    const { limits } = this.ctx;
    this.overLimit ??= new TokenBucket(limits.messagesPerSecond, limits.overLimitFrames);
    return this.overLimit.take();
  }

  /**
   * Runs a join, leave or command after the ones before it, in arrival order, except that
   * a command only waiting for its own id running elsewhere steps aside for later frames
   * of other ordering scopes (see {@link FrameQueue}).
   */
  private enqueue(frame: JoinFrame | LeaveFrame | CommandFrame): void {
    if (this.queue.pending >= this.ctx.limits.maxPendingFrames) {
      this.ctx.logger.warn({ sid: this.id, user: this.user.id }, 'too many pending frames');
      this.close(CloseCodes.TRY_AGAIN_LATER, 'too many pending frames');
      return;
    }
    const scope = frame.t === 'cmd' ? (frame.room ?? `cmd:${frame.name}`) : frame.room;
    this.queue.push(scope, async (stepAside) => {
      if (this.closing || this.draining) return;
      switch (frame.t) {
        case 'join':
          return joinRoom(this.ctx, this, frame);
        case 'leave':
          return this.leaveRoom(frame.room);
        case 'cmd':
          return this.command(frame, stepAside);
      }
    });
  }

  /** Answers a frame that cannot be processed; before `hello` that is a protocol error and closes. */
  private reject(id: string | undefined, code: ErrorCode, msg: string, retryAfterMs?: number): void {
    if (!this.greeted) {
      this.send({ t: 'error', code: 'invalid_frame', msg });
      this.close(CloseCodes.PROTOCOL_ERROR, 'expected hello');
      return;
    }
    if (id !== undefined) this.nack(id, code, msg, retryAfterMs);
    else this.send({ t: 'error', code, msg, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });
  }

  private hello(frame: HelloFrame): void {
    if (frame.v !== PROTOCOL_VERSION) {
      this.send({ t: 'error', code: 'unsupported_version', msg: `server speaks protocol v${PROTOCOL_VERSION}, client sent v${frame.v}` });
      this.close(CloseCodes.UNSUPPORTED_VERSION, 'unsupported version');
      return;
    }
    this.greeted = true;
    const { limits } = this.ctx;
    for (const feature of this.ctx.features) {
      if (feature.onConnect) runHook(this.ctx, `${feature.name}.onConnect`, () => feature.onConnect!({ user: this.user, sessionId: this.id, server: this.ctx.server }));
    }
    this.send({
      t: 'welcome',
      v: PROTOCOL_VERSION,
      sid: this.id,
      user: this.user.id,
      now: Date.now(),
      heartbeatTimeoutMs: limits.heartbeatTimeoutMs,
      maxFrameBytes: limits.maxFrameBytes,
    });
  }

  private async command(frame: CommandFrame, stepAside: () => void): Promise<void> {
    const timed = this.ctx.metrics.startCommand(frame.name);
    const command: CommandContext = { user: this.user, name: frame.name, data: frame.data, server: this.ctx.server, sessionId: this.id, hasJoined: this.hasJoinedRoom };
    if (frame.room !== undefined) command.room = frame.room;
    const outcome = await runCommand(this.ctx, frame.id, stepAside, command);
    timed(outcome.ok ? 'ack' : 'nack');
    if (outcome.ok) this.send(outcome.data === undefined ? { t: 'ack', id: frame.id } : { t: 'ack', id: frame.id, data: outcome.data });
    else this.nack(frame.id, outcome.code, outcome.msg, outcome.retryAfterMs, outcome.details);
  }

  private armExpiry(): void {
    if (this.user.expiresAt === undefined) return;
    // Closed when the token stops being accepted: its expiry plus the clock tolerance.
    const expiresAt = this.user.expiresAt + this.ctx.clockToleranceMs;
    const delay = Math.min(Math.max(0, expiresAt - Date.now()), MAX_TIMER_MS);
    this.expiryTimer = setTimeout(() => {
      if (Date.now() >= expiresAt) this.close(CloseCodes.UNAUTHORIZED, 'token expired');
      else this.armExpiry();
    }, delay);
    this.expiryTimer.unref();
  }

  private leaveAllRooms(): void {
    for (const room of [...this.rooms]) this.leaveRoom(room);
  }

  private cleanUp(): void {
    if (this.cleanedUp) return;
    this.cleanedUp = true;
    this.closing = true;
    clearTimeout(this.expiryTimer);
    clearTimeout(this.killTimer);
    this.leaveAllRooms();
    this.announceDisconnect();
    this.ctx.actionLimiter.forgetSession(this.id);
  }

  /** Tells features the connection is gone, exactly once, as soon as it is closing. */
  private announceDisconnect(): void {
    if (!this.greeted || this.disconnectAnnounced) return;
    this.disconnectAnnounced = true;
    for (const feature of this.ctx.features) {
      if (feature.onDisconnect) runHook(this.ctx, `${feature.name}.onDisconnect`, () => feature.onDisconnect!({ user: this.user, sessionId: this.id, server: this.ctx.server }));
    }
  }
}
