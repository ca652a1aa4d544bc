import type { UserPresence } from '@sinyal/protocol/schema';
import type { UserPresenceRecord } from './store';

/**
 * The merge rule of a user's presence over their connections (tabs, devices, nodes):
 * `offline` with no connection open, `away` when every open connection reported itself idle,
 * `online` when at least one is active. Pure: the stores count, this decides.
 *
 * @example
 * ```ts
 * userPresenceOf({ sessions: 2, idleSessions: 1 }); // 'online' — the phone is idle, the laptop is not
 * userPresenceOf({ sessions: 2, idleSessions: 2 }); // 'away'
 * userPresenceOf({ sessions: 0, idleSessions: 0 }); // 'offline'
 * ```
 */
export function userPresenceOf({ sessions, idleSessions }: Pick<UserPresenceRecord, 'sessions' | 'idleSessions'>): UserPresence {
  if (sessions <= 0) return 'offline';
  return idleSessions >= sessions ? 'away' : 'online';
}
