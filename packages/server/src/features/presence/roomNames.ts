import { RoomName } from '@sinyal/protocol/schema';

/** Room kind whose rooms `viewers:<propertyId>` count the users viewing a property. */
export const VIEWERS_KIND = 'viewers';
/** Room kind whose rooms `status:<userId>` carry one user's online and agent status. */
export const STATUS_KIND = 'status';

/** `viewers:<propertyId>`. */
export function viewersRoom(propertyId: string): string {
  return `${VIEWERS_KIND}:${propertyId}`;
}

/** `status:<userId>`. */
export function statusRoom(userId: string): string {
  return `${STATUS_KIND}:${userId}`;
}

/** Whether `id` can be the id part of a room name (what clients can join). */
export function isRoomId(id: string): boolean {
  return RoomName.safeParse(`${VIEWERS_KIND}:${id}`).success;
}
