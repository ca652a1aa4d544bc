import { userFeedRoom } from '@sinyal/protocol';
import type { SinyalClient } from './client';
import type { Room } from './room';

/**
 * Runs `attach` with the signed-in user's personal feed — the room `user:<id>` the server
 * fills with things meant for one person (an outbid, a notification, an inbox update) —
 * once the server has said who the user is, and again if a new token names another user.
 * `attach` returns its cleanup (unsubscribing its handlers, which leaves the room).
 * Returns the function that stops everything.
 *
 * @example
 * ```ts
 * const stop = onUserFeed(client, (feed) => feed.on('notification:new', show));
 * ```
 */
export function onUserFeed<Events extends object>(client: SinyalClient<Events, object>, attach: (feed: Room<Events>, userId: string) => () => void): () => void {
  let current: { userId: string; detach: () => void } | undefined;
  const sync = () => {
    const userId = client.user;
    if (userId === undefined || userId === current?.userId) return;
    current?.detach();
    current = { userId, detach: attach(client.room(userFeedRoom(userId)), userId) };
  };
  const unsubscribe = client.subscribe(sync);
  sync();
  return () => {
    unsubscribe();
    current?.detach();
    current = undefined;
  };
}
