import { PropertyWatchDataSchema } from '@sinyal/protocol/schema';
import type { CommandHandler } from '../../api/commands';
import { SinyalServerError } from '../../errors';
import type { Route } from '../../api/routes';
import type { PropertyStore } from './store';

/** What the watch commands need. */
export interface WatchlistDeps {
  store: PropertyStore;
  maxWatchedPerUser: number;
}

function parseWatch(data: unknown): string {
  const parsed = PropertyWatchDataSchema.safeParse(data);
  if (!parsed.success) throw new SinyalServerError('invalid_frame', `property id: ${parsed.error.issues[0]?.message ?? 'invalid data'}`);
  return parsed.data.propertyId;
}

/**
 * `property:watch {propertyId}` / `property:unwatch {propertyId}`: edit the sender's
 * watch list (wishlist). Both answer `{ watched }` and publish
 * `property:watchlist_changed {watched}` into the user's feed so every tab agrees.
 * Watching is idempotent; an unregistered property is `not_found`, a full list `conflict`.
 */
export function watchlistCommands({ store, maxWatchedPerUser }: WatchlistDeps): Record<string, CommandHandler> {
  return {
    'property:watch': async ({ user, data, server }) => {
      const propertyId = parseWatch(data);
      if (!(await store.get(propertyId))) throw new SinyalServerError('not_found', `property ${propertyId} is not registered`);
      const outcome = await store.watch(user.id, propertyId, maxWatchedPerUser);
      if (outcome === 'full') throw new SinyalServerError('conflict', `a watch list holds at most ${maxWatchedPerUser} properties`);
      const watched = await store.watchlist(user.id);
      if (outcome === 'added') await server.publishToUser(user.id, 'property:watchlist_changed', { watched });
      return { watched };
    },
    'property:unwatch': async ({ user, data, server }) => {
      const propertyId = parseWatch(data);
      const removed = await store.unwatch(user.id, propertyId);
      const watched = await store.watchlist(user.id);
      if (removed) await server.publishToUser(user.id, 'property:watchlist_changed', { watched });
      return { watched };
    },
  };
}

/** `GET /api/watchlist` (user): `{ watched }`, the caller's watched property ids. */
export function watchlistRoute(store: PropertyStore): Route {
  return {
    method: 'GET',
    path: '/api/watchlist',
    auth: 'user',
    handler: async ({ user }) => ({ watched: await store.watchlist(user!.id) }),
  };
}
