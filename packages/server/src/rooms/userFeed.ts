import { userFeedRoom } from '@sinyal/protocol';
import type { RoomKindOptions } from '../api/rooms';

/**
 * The built-in room kind `user`: `user:<id>` (see `userFeedRoom`) is one user's personal feed, joinable by
 * that user alone (every device and tab), durable so missed items are replayed after a
 * reconnect. Features publish into it with `server.publishToUser()`. Override it with
 * `rooms: { user: … }` only if you know why.
 */
export const USER_FEED: RoomKindOptions = {
  authorize: ({ user, room }) => room === userFeedRoom(user.id),
  history: 500,
};
