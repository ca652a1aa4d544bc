import type { AuctionCommands, AuctionEvents } from './schema/auction';
import type { ChatCommands, ChatEvents } from './schema/chat';
import type { NotificationCommands, NotificationEvents } from './schema/notification';
import type { PresenceCommands, PresenceEvents } from './schema/presence';
import type { PropertyCommands, PropertyEvents } from './schema/property';

/**
 * Typed event registry: every event of the built-in features (chat, auction, presence,
 * property, notification). Room events are named `kind:event` (`chat:message`,
 * `auction:new_bid`) and map to their payload type. Applications add their own
 * events by augmenting this interface, or by passing their own map to
 * `createClient<MyEvents>()`:
 *
 * @example
 * ```ts
 * declare module '@sinyal/protocol' {
 *   interface SinyalEvents {
 *     'demo:message': { text: string; from: string };
 *   }
 * }
 * ```
 */
export interface SinyalEvents extends ChatEvents, AuctionEvents, PresenceEvents, PropertyEvents, NotificationEvents {}

/**
 * Typed command registry: command name → the `data` it takes and the `result` the
 * server acknowledges with. `publish` is built in: it emits a durable event into a
 * room when the room kind allows clients to publish it.
 */
export interface SinyalCommands extends ChatCommands, AuctionCommands, PresenceCommands, PropertyCommands, NotificationCommands {
  publish: { data: { event: string; data?: unknown; volatile?: boolean }; result: { epoch: string; seq: number } | null };
}

/** Shape every command map satisfies. */
export type CommandShape = { data: unknown; result: unknown };

/** Names of a map's events (string keys only). */
export type EventName<E> = Extract<keyof E, string>;
