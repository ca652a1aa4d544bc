import { z } from 'zod';
import { ErrorCodes } from '../errors';

/** `kind:id`, e.g. `chat:c-42`, `auction:7`. The kind selects authorization and history rules. */
export const RoomName = z.string().regex(/^[a-z][a-z0-9_-]{0,31}:[A-Za-z0-9_.:@-]{1,128}$/, 'room must look like kind:id');
/** `kind:event`, e.g. `chat:message`. */
export const EventNameSchema = z.string().regex(/^[a-z][a-z0-9_-]{0,31}:[a-z0-9_-]{1,64}$/, 'event must look like kind:event');
/** Command name, e.g. `publish`, `chat:send`. */
export const CommandName = z.string().regex(/^[a-z][a-z0-9_:.-]{0,63}$/, 'invalid command name');
/** Client-chosen id of a join or command; unique per client (UUIDs are fine). */
export const ClientId = z.string().min(1).max(64);
export const Epoch = z.string().min(1).max(64);
export const Seq = z.number().int().nonnegative();
/** A position in a durable room's stream: the last event seen. */
export const Position = z.object({ epoch: Epoch, seq: Seq });
export const ErrorCodeSchema = z.enum(Object.keys(ErrorCodes) as [keyof typeof ErrorCodes, ...(keyof typeof ErrorCodes)[]]);

// ── client → server ─────────────────────────────────────────────────────────────

/** First frame on every connection: the protocol version the client speaks. */
export const HelloFrame = z.object({ t: z.literal('hello'), v: z.number().int().positive(), lib: z.string().max(64).optional() });
/** Join (or re-join) a room; `from` asks the server to resume after that position. */
export const JoinFrame = z.object({
  t: z.literal('join'),
  id: ClientId,
  room: RoomName,
  from: Position.optional(),
  params: z.unknown().optional(),
});
export const LeaveFrame = z.object({ t: z.literal('leave'), room: RoomName });
/** A command; `id` makes it idempotent (a repeated id gets the first answer). */
export const CommandFrame = z.object({
  t: z.literal('cmd'),
  id: ClientId,
  name: CommandName,
  room: RoomName.optional(),
  data: z.unknown().optional(),
});
/** Application heartbeat; `ts` is the client's clock, echoed back in `pong`. */
export const PingFrame = z.object({ t: z.literal('ping'), ts: z.number() });

export const ClientFrameSchema = z.discriminatedUnion('t', [HelloFrame, JoinFrame, LeaveFrame, CommandFrame, PingFrame]);

// ── server → client ─────────────────────────────────────────────────────────────

/** Answer to `hello`: the session is authenticated and ready. */
export const WelcomeFrame = z.object({
  t: z.literal('welcome'),
  v: z.number().int().positive(),
  sid: z.string(),
  user: z.string(),
  /** Server time (ms since epoch) when the frame was sent. */
  now: z.number(),
  /** The server evicts a connection silent for longer than this. */
  heartbeatTimeoutMs: z.number().int().positive(),
  /** Largest frame the server accepts, in bytes (UTF-8). */
  maxFrameBytes: z.number().int().positive(),
});
/**
 * Join accepted. `resumed: true` → `seq` echoes the requested position and the
 * missed events follow; otherwise `seq` is the room's head and only live events follow.
 */
export const JoinedFrame = z.object({
  t: z.literal('joined'),
  id: ClientId,
  room: RoomName,
  epoch: Epoch,
  seq: Seq,
  resumed: z.boolean(),
  /** Room state the kind attaches on join (e.g. an auction's current price); refetched on every join. */
  state: z.unknown().optional(),
});
/** A room event. Durable events carry `epoch` + `seq`; volatile ones carry neither. */
export const EventFrame = z.object({
  t: z.literal('event'),
  room: RoomName,
  name: EventNameSchema,
  data: z.unknown().optional(),
  epoch: Epoch.optional(),
  seq: Seq.optional(),
  /** Server time the event was accepted. */
  at: z.number().optional(),
});
/** The requested position cannot be resumed: refetch a snapshot; live events continue after `seq`. */
export const ResetFrame = z.object({
  t: z.literal('reset'),
  room: RoomName,
  epoch: Epoch,
  seq: Seq,
  reason: z.enum(['epoch_changed', 'history_truncated', 'position_ahead']),
});
/** The server removed this connection from a room (e.g. access revoked). */
export const LeftFrame = z.object({ t: z.literal('left'), room: RoomName, code: ErrorCodeSchema, msg: z.string() });
export const AckFrame = z.object({ t: z.literal('ack'), id: ClientId, data: z.unknown().optional() });
export const NackFrame = z.object({
  t: z.literal('nack'),
  id: ClientId,
  code: ErrorCodeSchema,
  msg: z.string(),
  retryAfterMs: z.number().int().nonnegative().optional(),
  /** Structured detail of the refusal (e.g. `{ minNextBid }` for a bid too low). */
  data: z.unknown().optional(),
});
export const PongFrame = z.object({ t: z.literal('pong'), ts: z.number(), now: z.number() });
/** A frame-level problem that has no id to answer (e.g. malformed JSON). */
export const ErrorFrame = z.object({
  t: z.literal('error'),
  code: ErrorCodeSchema,
  msg: z.string(),
  retryAfterMs: z.number().int().nonnegative().optional(),
});

export const ServerFrameSchema = z.discriminatedUnion('t', [
  WelcomeFrame,
  JoinedFrame,
  EventFrame,
  ResetFrame,
  LeftFrame,
  AckFrame,
  NackFrame,
  PongFrame,
  ErrorFrame,
]);

export type HelloFrame = z.infer<typeof HelloFrame>;
export type JoinFrame = z.infer<typeof JoinFrame>;
export type LeaveFrame = z.infer<typeof LeaveFrame>;
export type CommandFrame = z.infer<typeof CommandFrame>;
export type PingFrame = z.infer<typeof PingFrame>;
export type ClientFrame = z.infer<typeof ClientFrameSchema>;
export type WelcomeFrame = z.infer<typeof WelcomeFrame>;
export type JoinedFrame = z.infer<typeof JoinedFrame>;
export type EventFrame = z.infer<typeof EventFrame>;
export type ResetFrame = z.infer<typeof ResetFrame>;
export type LeftFrame = z.infer<typeof LeftFrame>;
export type AckFrame = z.infer<typeof AckFrame>;
export type NackFrame = z.infer<typeof NackFrame>;
export type PongFrame = z.infer<typeof PongFrame>;
export type ErrorFrame = z.infer<typeof ErrorFrame>;
export type ServerFrame = z.infer<typeof ServerFrameSchema>;
export type Position = z.infer<typeof Position>;
