import { EventNameSchema, RoomName } from '@sinyal/protocol/schema';
import { SinyalServerError } from '../errors';
import type { Fanout } from '../store/types';
import { volatileEventFrame, type RoomRegistry } from './roomRegistry';
import { historyOf, parseRoom } from './roomKinds';
import { type RoomKindOptions } from '../api/rooms';
import type { Store } from '../store/types';
import type { PublishOptions, PublishResult } from '../api/server';

/**
 * Deepest nesting of arrays/objects accepted in event data. V8's JSON.stringify is
 * recursive and overflows the stack a few thousand levels down (depending on the stack
 * already in use), so such a payload could be appended and then fail to serialise when
 * it is broadcast or replayed. A fixed limit far below that refuses it up front, the same
 * on every path (found by test/chaos/fuzz.test.ts).
 */
export const MAX_DATA_DEPTH = 100;

/** Whether JSON text nests arrays/objects deeper than `max` (a scan of its characters, strings skipped). */
function jsonDeeperThan(json: string, max: number): boolean {
  let depth = 0;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (c === 0x22) {
      // a string: skip to its closing quote, over escapes
      for (i++; i < json.length; i++) {
        const d = json.charCodeAt(i);
        if (d === 0x5c) i++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
  }
  return false;
}

/**
 * Serialises event data once for the whole publish (the store copies from this text, a
 * Redis store writes it as it is), refusing as `bad_request` what JSON cannot carry (a
 * cycle, a BigInt, a function) and what nests deeper than {@link MAX_DATA_DEPTH} — with
 * no walk over the payload's objects besides JSON's own.
 */
export function serializeEventData(data: unknown): string | undefined {
  if (data === undefined) return undefined;
  let json: string | undefined;
  try {
    json = JSON.stringify(data);
  } catch {
    // A cycle, a BigInt, or nesting so deep that V8's recursive stringify overflowed.
    throw new SinyalServerError('bad_request', `data is not JSON (or nests deeper than ${MAX_DATA_DEPTH} levels)`);
  }
  if (json === undefined) throw new SinyalServerError('bad_request', 'data is not JSON');
  if (jsonDeeperThan(json, MAX_DATA_DEPTH)) throw new SinyalServerError('bad_request', `data nests deeper than ${MAX_DATA_DEPTH} levels`);
  return json;
}

/** What publishing needs from the server. */
export interface PublishDeps {
  rooms: ReadonlyMap<string, RoomKindOptions>;
  store: Store;
  /** Appends durable events and delivers every event to the room's members on every node. */
  fanout: Fanout;
  /** This node's members of each room (for `localOnly`). */
  registry: Pick<RoomRegistry, 'broadcast'>;
}

/**
 * Appends an event to a room's history (durable) and fans it out to the room's members
 * on every node (through the server's {@link Fanout}).
 * Volatile events (`volatile`, or a kind with `history: 0`) are only fanned out and
 * resolve to `null`. Both the `publish` command and `server.publish()` go through here;
 * authorization is the caller's job. Any event may go into any configured room (the
 * `publish` command alone insists on the room's own kind), so a user's feed `user:<id>`
 * can carry `auction:outbid` or `chat:inbox_updated`.
 */
export async function publishToRoom(
  deps: PublishDeps,
  room: string,
  event: string,
  data: unknown,
  options: PublishOptions = {},
): Promise<PublishResult | null> {
  if (!RoomName.safeParse(room).success) throw new SinyalServerError('bad_request', 'room must look like kind:id');
  if (!EventNameSchema.safeParse(event).success) throw new SinyalServerError('bad_request', 'event must look like kind:event');
  return publishCheckedNames(deps, room, event, data, options);
}

/**
 * {@link publishToRoom} for a room and event name already validated against the protocol
 * schemas (the `publish` command's frame and data were), so the per-message path does not
 * run the same schema checks twice.
 */
export async function publishCheckedNames(
  deps: PublishDeps,
  room: string,
  event: string,
  data: unknown,
  options: PublishOptions = {},
): Promise<PublishResult | null> {
  const { kind } = parseRoom(room);
  const kindOptions = deps.rooms.get(kind);
  if (!kindOptions) throw new SinyalServerError('not_found', `room kind "${kind}" is not configured`);
  const json = serializeEventData(data);

  const at = Date.now();
  const history = historyOf(kindOptions);
  if (options.volatile || history === 0) {
    const frame = volatileEventFrame(room, event, data, at);
    if (options.localOnly) deps.registry.broadcast(room, frame, options.exceptUser);
    else await deps.fanout.publishVolatile(room, frame, options.exceptUser);
    return null;
  }
  if (options.localOnly) throw new SinyalServerError('bad_request', 'localOnly is for volatile events only: a durable event has one order on every node');
  // The fan-out appends and delivers in one step, so delivery order is append order on every node.
  const stored = await deps.fanout.publishDurable(room, json === undefined ? { name: event, data, at } : { name: event, data, at, json }, history);
  return { epoch: stored.epoch, seq: stored.seq };
}
