import type { NewEvent, StoredEvent } from '../store/types';

/** How an event is written into a room's stream entry (field `e`) and its pub/sub message. */
export function encodeEvent(event: NewEvent): string {
  return JSON.stringify({ name: event.name, ...(event.data === undefined ? {} : { data: event.data }), at: event.at });
}

/** The stored event back from {@link encodeEvent}'s JSON and its position. */
export function decodeEvent(epoch: string, seq: number, json: string): StoredEvent {
  const { name, data, at } = JSON.parse(json) as { name: string; data?: unknown; at: number };
  return { epoch, seq, name, data, at };
}
