import { NotifyBodySchema, type NotificationPage } from '@sinyal/protocol/schema';
import { SinyalServerError } from '../../errors';
import type { Route } from '../../api/routes';
import type { NotificationDelivery } from './notificationDelivery';
import type { SavedSearches } from './savedSearches';
import type { ScheduledNotifications } from './scheduledNotifications';
import type { InboxCursor, NotificationStore } from './store';
import type { WebPushNotifications } from './webPush';

const DEFAULT_PAGE = 20;
const MAX_PAGE = 100;

/** `nextBefore` cursors are `<createdAt>~<id>`: opaque to clients, stable when items are added. */
function encodeCursor(cursor: InboxCursor): string {
  return `${cursor.createdAt}~${cursor.id}`;
}

function decodeCursor(text: string): InboxCursor {
  const match = /^(\d{1,16})~(.{1,64})$/s.exec(text);
  if (!match) throw new SinyalServerError('bad_request', 'before must be a nextBefore value from a previous page');
  return { createdAt: Number(match[1]), id: match[2]! };
}

function pageLimit(text: string | null): number {
  if (text === null || text === '') return DEFAULT_PAGE;
  const limit = Number(text);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) throw new SinyalServerError('bad_request', `limit must be an integer from 1 to ${MAX_PAGE}`);
  return limit;
}

/**
 * - `GET /api/notifications?limit=&before=` (user) → `{ items, unreadCount, nextBefore }`, newest first;
 * - `POST /api/notifications` (publisher) `{ userId, category, type, title, body, priority?, data?, at?, key? }` → `{ notification, delivery, dueAt?, key? }`
 *   (with `at`: scheduled for then, under `key`);
 * - `GET /api/notifications/scheduled?userId=` (publisher) → `{ items }`, the user's scheduled notifications, soonest first;
 * - `DELETE /api/notifications/scheduled?userId=&key=` or `&prefix=` (publisher) → `{ cancelled }`, the keys cancelled;
 * - `POST /api/saved-searches` (user) `{ criteria, name? }` → the saved search;
 * - `GET /api/saved-searches` (user) → `{ items }`; `DELETE /api/saved-searches/:id` (user);
 * - `POST /api/listings` (publisher) a new listing → `{ notified }`, the users whose saved search matched;
 * - with Web Push ({@link pushRoutes}): the user's push subscriptions.
 */
export function notificationRoutes(delivery: NotificationDelivery, store: NotificationStore, searches: SavedSearches, scheduled: ScheduledNotifications, push?: WebPushNotifications): Route[] {
  return [
    ...(push ? pushRoutes(push) : []),
    {
      method: 'GET',
      path: '/api/notifications',
      auth: 'user',
      handler: async ({ user, query }): Promise<NotificationPage> => {
        const limit = pageLimit(query.get('limit'));
        const before = query.get('before');
        const userId = user!.id;
        const page = await store.list(userId, { limit, ...(before ? { before: decodeCursor(before) } : {}) });
        const last = page.items[page.items.length - 1];
        return { items: page.items, unreadCount: await store.unreadCount(userId), nextBefore: page.hasMore && last ? encodeCursor(last) : null };
      },
    },
    {
      method: 'POST',
      path: '/api/notifications',
      auth: 'publisher',
      handler: ({ body }) => {
        const parsed = NotifyBodySchema.safeParse(body);
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          throw new SinyalServerError('bad_request', `${issue?.path.map(String).join('.') || 'body'}: ${issue?.message ?? 'invalid'}`);
        }
        const { userId, at, key, ...input } = parsed.data;
        if (at === undefined) {
          if (key !== undefined) throw new SinyalServerError('bad_request', 'key: names a scheduled notification, give at too');
          return delivery.notify(userId, input);
        }
        return scheduled.schedule(userId, input, { at, ...(key === undefined ? {} : { key }) });
      },
    },
    {
      method: 'GET',
      path: '/api/notifications/scheduled',
      auth: 'publisher',
      handler: async ({ query }) => ({ items: await scheduled.list(query.get('userId') ?? '') }),
    },
    {
      method: 'DELETE',
      path: '/api/notifications/scheduled',
      auth: 'publisher',
      handler: ({ query }) =>
        scheduled.cancel(query.get('userId') ?? '', {
          ...(query.has('key') ? { key: query.get('key') } : {}),
          ...(query.has('prefix') ? { prefix: query.get('prefix') } : {}),
        }),
    },
    { method: 'POST', path: '/api/saved-searches', auth: 'user', handler: ({ user, body }) => searches.add(user!.id, body) },
    { method: 'GET', path: '/api/saved-searches', auth: 'user', handler: async ({ user }) => ({ items: await searches.list(user!.id) }) },
    {
      method: 'DELETE',
      path: '/api/saved-searches/:id',
      auth: 'user',
      handler: async ({ user, params }) => {
        await searches.remove(user!.id, params.id!);
        return { ok: true };
      },
    },
    { method: 'POST', path: '/api/listings', auth: 'publisher', handler: ({ body }) => searches.announceListing(body) },
  ];
}

/**
 * The caller's own Web Push subscriptions (auth `user`):
 * - `GET /api/notifications/push-subscriptions` → `{ publicKey, items: [{ endpoint, createdAt }] }`
 *   (`publicKey`: the VAPID key to subscribe with);
 * - `POST /api/notifications/push-subscriptions` `PushSubscription.toJSON()` → `{ endpoint, createdAt }`;
 * - `DELETE /api/notifications/push-subscriptions?endpoint=` → `{ removed }`.
 */
export function pushRoutes(push: WebPushNotifications): Route[] {
  const path = '/api/notifications/push-subscriptions';
  return [
    { method: 'GET', path, auth: 'user', handler: async ({ user }) => ({ publicKey: push.publicKey, items: await push.list(user!.id) }) },
    { method: 'POST', path, auth: 'user', handler: ({ user, body }) => push.subscribe(user!.id, body) },
    { method: 'DELETE', path, auth: 'user', handler: ({ user, query }) => push.unsubscribe(user!.id, query.get('endpoint')) },
  ];
}
