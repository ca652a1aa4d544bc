import { z } from 'zod';

// Presence & social proof: "N people are viewing this property", wishlist-today and
// viewings-this-week counters, and user / agent online status with lastSeen.
//
// Rooms (both volatile: nothing is stored or replayed, the latest value wins):
// - `viewers:<propertyId>` — joining it means "I am viewing this property";
//   events `presence:viewers` and `presence:social_proof`, join state `ViewersState`.
// - `status:<userId>` — who may watch it is the server's `statusVisibility`;
//   event `presence:status`, join state `PresenceStatus`.
// Command `presence:set_activity` marks the sending connection idle or active: a user is
// `away` while every connection of theirs is idle.

/** A non-negative whole number (counts). */
const Count = z.number().int().nonnegative();
/** Server time in ms since the epoch. */
const Timestamp = z.number().int().nonnegative();

/** What an agent shows customers: `online` (available), `busy` (with an estimate), `offline` (no connection open). */
export const AgentStatus = z.enum(['online', 'busy', 'offline']);
/** Statuses an agent may choose; `offline` follows from having no connection open. */
export const ChosenAgentStatus = z.enum(['online', 'busy']);

/**
 * A user's presence merged over all their connections: `online` while any connection is
 * active, `away` while every connection is idle (`presence:set_activity`), `offline` with none.
 */
export const UserPresence = z.enum(['online', 'away', 'offline']);

/** `presence:viewers` — unique users viewing the property now (two tabs of one user count once). */
export const ViewerCount = z.object({ count: Count });

/** `presence:social_proof` — activity counters of the property in the current windows. */
export const SocialProof = z.object({
  /** Users who added the property to their wishlist today (server day). */
  wishlistToday: Count,
  /** Viewings scheduled this week (server week, Monday to Sunday). */
  viewingsThisWeek: Count,
});

/** Join state of `viewers:<propertyId>` (and the body of `GET /api/properties/:id/presence`). */
export const ViewersState = z.object({
  propertyId: z.string(),
  /** Unique viewers, the newcomer included. */
  count: Count,
  wishlistToday: Count,
  viewingsThisWeek: Count,
});

/**
 * Join state of `status:<userId>` and payload of `presence:status`: whether the user has
 * any connection open, when they were last seen, and — for agents — their agent status.
 */
export const PresenceStatus = z.object({
  userId: z.string(),
  /** True while at least one of the user's connections is open (`presence` is `online` or `away`). */
  online: z.boolean(),
  /**
   * `online`: a connection is open and at least one is active; `away`: connections are open
   * but every one reported itself idle; `offline`: none is open.
   */
  presence: UserPresence,
  /**
   * While online: when the user came online. Offline: when their last connection closed.
   * `null`: not seen since the presence store started.
   */
  lastSeen: Timestamp.nullable(),
  /** `null` for users the server has never seen connect as an agent. */
  agentStatus: AgentStatus.nullable(),
  /** A busy agent's estimate of when they are available again (server time); otherwise `null`. */
  availableAt: Timestamp.nullable(),
});

/** Data of the `presence:set_agent_status` command (agents only: token claim `role: 'agent'`). */
export const SetAgentStatusData = z.strictObject({
  status: ChosenAgentStatus,
  /** With `busy`: estimated availability (server time, ms). Ignored with `online`. */
  availableAt: Timestamp.nullable().optional(),
});

/**
 * Data of the `presence:set_activity` command: the sending connection is idle (no input for
 * a while, or its page hidden) or active again. Every connection starts active.
 */
export const SetActivityData = z.strictObject({
  idle: z.boolean(),
});

/** Body of `POST /api/properties/:id/wishlist` and `/viewings` with `publisher` auth (optional). */
export const SocialProofActivityBody = z
  .strictObject({
    /** Counted once per user per window when given; without it every call counts. */
    userId: z.string().min(1).max(128).optional(),
  })
  .optional();

/** Answer of the social-proof REST endpoints. */
export const SocialProofActivity = z.object({
  propertyId: z.string(),
  /** False when this user was already counted in the current window. */
  counted: z.boolean(),
  wishlistToday: Count,
  viewingsThisWeek: Count,
});

export type AgentStatus = z.infer<typeof AgentStatus>;
export type ChosenAgentStatus = z.infer<typeof ChosenAgentStatus>;
export type UserPresence = z.infer<typeof UserPresence>;
export type ViewerCount = z.infer<typeof ViewerCount>;
export type SocialProof = z.infer<typeof SocialProof>;
export type ViewersState = z.infer<typeof ViewersState>;
export type PresenceStatus = z.infer<typeof PresenceStatus>;
export type SetAgentStatusData = z.infer<typeof SetAgentStatusData>;
export type SetActivityData = z.infer<typeof SetActivityData>;
export type SocialProofActivityBody = z.infer<typeof SocialProofActivityBody>;
export type SocialProofActivity = z.infer<typeof SocialProofActivity>;

/** Presence events, by name (`kind:event`), for the `SinyalEvents` registry. */
export interface PresenceEvents {
  'presence:viewers': ViewerCount;
  'presence:social_proof': SocialProof;
  'presence:status': PresenceStatus;
}

/** Presence commands, by name, for the `SinyalCommands` registry. */
export interface PresenceCommands {
  'presence:set_agent_status': { data: SetAgentStatusData; result: PresenceStatus };
  'presence:set_activity': { data: SetActivityData; result: PresenceStatus };
}
