import type { PublishContext, RoomKindOptions } from '../api/rooms';

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

/** The resume time window of this kind, in ms (0 = none); see {@link RoomKindOptions.historyTtlMs}. */
export function historyTtlOf(kind: RoomKindOptions): number {
  return kind.historyTtlMs ?? 0;
}

/**
 * Whether clients may publish `ctx.event` into `ctx.room` under these rules: at once for a
 * list of event names (on every client publish's path), through a promise for a function.
 */
export function mayPublish(kind: RoomKindOptions, ctx: PublishContext): boolean | Promise<boolean> {
  const rule = kind.publish;
  if (rule === undefined) return false;
  if (typeof rule === 'function') return Promise.resolve(rule(ctx)).then((allowed) => allowed === true);
  return rule.includes(ctx.event);
}
