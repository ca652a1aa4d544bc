import {
  NotificationMarkReadDataSchema,
  NotificationPreferencesSchema,
  NotificationSetPreferencesDataSchema,
  type NotificationPreferences,
} from '@sinyal/protocol/schema';
import type { CommandEntry, CommandHandler } from '../../api/commands';
import { SinyalServerError } from '../../errors';
import type { NotificationDelivery } from './notificationDelivery';
import type { NotificationStore } from './store';

function invalid(what: string, issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>): SinyalServerError {
  const issue = issues[0];
  return new SinyalServerError('invalid_frame', `${what}: ${issue?.path.map(String).join('.') || 'data'} ${issue?.message ?? 'invalid'}`);
}

/**
 * - `notification:mark_read {ids}` → `{ unreadCount }` (unknown or already read ids are ignored);
 * - `notification:mark_all_read` → `{ unreadCount }`;
 * - `notification:set_preferences {quietHours?, utcOffsetMinutes?}` → the preferences after the change;
 * - `notification:get_preferences` → the sender's preferences.
 * Always about the sender's own notifications. `get_preferences` is a read: no outcome record.
 */
export function notificationCommands(delivery: NotificationDelivery, store: NotificationStore): Record<string, CommandEntry> {
  const getPreferences: CommandHandler = ({ user }) => delivery.preferences(user.id);
  const handlers: Record<string, CommandHandler> = {
    'notification:mark_read': ({ user, data }) => {
      const parsed = NotificationMarkReadDataSchema.safeParse(data);
      if (!parsed.success) throw invalid('notification:mark_read', parsed.error.issues);
      return delivery.markRead(user.id, parsed.data.ids);
    },
    'notification:mark_all_read': ({ user }) => delivery.markAllRead(user.id),
    'notification:set_preferences': async ({ user, data }) => {
      const parsed = NotificationSetPreferencesDataSchema.safeParse(data ?? {});
      if (!parsed.success) throw invalid('notification:set_preferences', parsed.error.issues);
      const current = await delivery.preferences(user.id);
      const next: NotificationPreferences = NotificationPreferencesSchema.parse({ ...current, ...parsed.data });
      await store.setPreferences(user.id, next);
      return next;
    },
  };
  return { ...handlers, 'notification:get_preferences': { handler: getPreferences, idempotent: true } };
}
