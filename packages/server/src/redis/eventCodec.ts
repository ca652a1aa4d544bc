import type { NewEvent, StoredEvent } from '../store/types';

/**
 * How an event is written into a room's stream entry (field `e`) and its pub/sub message:
 * `{"name","data"?,"at"}`, `at` last (the resume script reads it from the end). Uses the
 * event's `json` when publishing serialised its data already.
 */
export function encodeEvent(event: NewEvent): string {
  const data = event.json ?? (event.data === undefined ? undefined : JSON.stringify(event.data));
  return `{"name":${JSON.stringify(event.name)}${data === undefined ? '' : `,"data":${data}`},"at":${JSON.stringify(event.at)}}`;
}

/** The stored event back from {@link encodeEvent}'s JSON and its position. */
export function decodeEvent(epoch: string, seq: number, json: string): StoredEvent {
  const { name, data, at } = JSON.parse(json) as { name: string; data?: unknown; at: number };
  return { epoch, seq, name, data, at };
}
