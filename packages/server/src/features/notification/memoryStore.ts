import type { Notification, NotificationPreferences, SavedSearch } from '@sinyal/protocol/schema';
import { windowIndex, type RateWindow } from './rateWindows';
import { scheduledMember } from './scheduledMember';
import type { DeliveryLane, HeldLane, InboxCursor, NotificationStore, ScheduledMatch, ScheduledNotification, ScheduleResult } from './store';

const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** Newest first: `createdAt` descending, then `id` descending. */
function newestFirst(a: { createdAt: number; id: string }, b: { createdAt: number; id: string }): number {
  return b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

/** As Redis orders members: bytewise (UTF-8). */
function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/**
 * The default {@link NotificationStore}: process memory, one node. Values are copied
 * on the way in and out, as a networked store would.
 */
export class MemoryNotificationStore implements NotificationStore {
  readonly #inboxes = new Map<string, Notification[]>();
  readonly #lanes = new Map<string, { userId: string; lane: DeliveryLane; dueAt: number; items: Notification[] }>();
  readonly #quota = new Map<string, Map<string, number>>();
  readonly #preferences = new Map<string, NotificationPreferences>();
  readonly #searches = new Map<string, SavedSearch[]>();
  /** Scheduled notifications by {@link scheduledMember} (user, key), and each user's keys. */
  readonly #scheduled = new Map<string, ScheduledNotification>();
  readonly #scheduledKeys = new Map<string, Set<string>>();

  async saveDelivered(userId: string, items: readonly Notification[], maxInbox: number): Promise<void> {
    const inbox = this.#inboxes.get(userId) ?? [];
    const known = new Set(inbox.map((item) => item.id));
    inbox.push(...copy(items.filter((item) => !known.has(item.id))));
    inbox.sort(newestFirst);
    inbox.length = Math.min(inbox.length, maxInbox);
    this.#inboxes.set(userId, inbox);
  }

  async list(userId: string, page: { limit: number; before?: InboxCursor }): Promise<{ items: Notification[]; hasMore: boolean }> {
    const inbox = this.#inboxes.get(userId) ?? [];
    const before = page.before;
    const start = before ? inbox.findIndex((item) => newestFirst(before, item) < 0) : 0;
    if (start < 0) return { items: [], hasMore: false };
    const items = inbox.slice(start, start + page.limit);
    return { items: copy(items), hasMore: start + page.limit < inbox.length };
  }

  async unreadCount(userId: string): Promise<number> {
    return (this.#inboxes.get(userId) ?? []).filter((item) => item.readAt === undefined).length;
  }

  async markRead(userId: string, ids: readonly string[], readAt: number): Promise<string[]> {
    const wanted = new Set(ids);
    const changed: string[] = [];
    for (const item of this.#inboxes.get(userId) ?? []) {
      if (wanted.has(item.id) && item.readAt === undefined) {
        item.readAt = readAt;
        changed.push(item.id);
      }
    }
    return changed;
  }

  async markAllRead(userId: string, readAt: number): Promise<number> {
    let changed = 0;
    for (const item of this.#inboxes.get(userId) ?? []) {
      if (item.readAt === undefined) {
        item.readAt = readAt;
        changed++;
      }
    }
    return changed;
  }

  async hold(userId: string, lane: DeliveryLane, items: readonly Notification[], dueAt: number): Promise<number> {
    const key = `${lane}\u0000${userId}`;
    const held = this.#lanes.get(key);
    if (held) {
      held.items.push(...copy(items));
      held.dueAt = Math.min(held.dueAt, dueAt);
      return held.dueAt;
    }
    this.#lanes.set(key, { userId, lane, dueAt, items: copy([...items]) });
    return dueAt;
  }

  async takeDue(now: number): Promise<HeldLane[]> {
    const due: HeldLane[] = [];
    for (const [key, held] of this.#lanes) {
      if (held.dueAt > now) continue;
      this.#lanes.delete(key);
      due.push({ ...held, items: [...held.items].sort((a, b) => a.createdAt - b.createdAt) });
    }
    return due;
  }

  async schedule(entry: ScheduledNotification, options: { maxPerUser: number; onlyIfAbsent?: boolean }): Promise<ScheduleResult> {
    const member = scheduledMember(entry.userId, entry.key);
    const keys = this.#scheduledKeys.get(entry.userId) ?? new Set<string>();
    const exists = this.#scheduled.has(member);
    if (exists && options.onlyIfAbsent) return 'kept';
    if (!exists && keys.size >= options.maxPerUser) return 'full';
    this.#scheduled.set(member, copy(entry));
    keys.add(entry.key);
    this.#scheduledKeys.set(entry.userId, keys);
    return exists ? 'replaced' : 'added';
  }

  async cancelScheduled(userId: string, match: ScheduledMatch): Promise<string[]> {
    const keys = this.#scheduledKeys.get(userId);
    if (!keys) return [];
    const cancelled = [...keys].filter((key) => ('key' in match ? key === match.key : key.startsWith(match.prefix))).sort(byteOrder);
    for (const key of cancelled) this.#forgetScheduled(userId, key);
    return cancelled;
  }

  async scheduledFor(userId: string): Promise<ScheduledNotification[]> {
    const keys = [...(this.#scheduledKeys.get(userId) ?? [])];
    return copy(keys.map((key) => this.#scheduled.get(scheduledMember(userId, key))!)).sort((a, b) => a.at - b.at || byteOrder(a.key, b.key));
  }

  async takeDueScheduled(now: number, limit: number): Promise<ScheduledNotification[]> {
    const due = [...this.#scheduled.entries()]
      .filter(([, entry]) => entry.at <= now)
      .sort(([memberA, a], [memberB, b]) => a.at - b.at || byteOrder(memberA, memberB))
      .slice(0, Math.max(0, limit));
    for (const [, entry] of due) this.#forgetScheduled(entry.userId, entry.key);
    return due.map(([, entry]) => entry);
  }

  async scheduledCount(): Promise<number> {
    return this.#scheduled.size;
  }

  #forgetScheduled(userId: string, key: string): void {
    this.#scheduled.delete(scheduledMember(userId, key));
    const keys = this.#scheduledKeys.get(userId);
    keys?.delete(key);
    if (keys?.size === 0) this.#scheduledKeys.delete(userId);
  }

  async consumeQuota(userId: string, wanted: number, windows: readonly RateWindow[], now: number, force: boolean): Promise<number> {
    let counts = this.#quota.get(userId);
    if (!counts) this.#quota.set(userId, (counts = new Map()));
    const keys = windows.map((window) => `${window.windowMs}:${windowIndex(window, now)}`);
    // Counts of past windows are never read again.
    for (const key of counts.keys()) if (!keys.includes(key)) counts.delete(key);
    const granted = force ? wanted : Math.max(0, Math.min(wanted, ...windows.map((window, i) => window.max - (counts.get(keys[i]!) ?? 0))));
    for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + granted);
    return granted;
  }

  async getPreferences(userId: string): Promise<NotificationPreferences | undefined> {
    const preferences = this.#preferences.get(userId);
    return preferences && copy(preferences);
  }

  async setPreferences(userId: string, preferences: NotificationPreferences): Promise<void> {
    this.#preferences.set(userId, copy(preferences));
  }

  async addSavedSearch(userId: string, search: SavedSearch, maxPerUser: number): Promise<boolean> {
    const searches = this.#searches.get(userId) ?? [];
    if (searches.length >= maxPerUser) return false;
    searches.push(copy(search));
    this.#searches.set(userId, searches);
    return true;
  }

  async removeSavedSearch(userId: string, searchId: string): Promise<boolean> {
    const searches = this.#searches.get(userId) ?? [];
    const index = searches.findIndex((search) => search.id === searchId);
    if (index < 0) return false;
    searches.splice(index, 1);
    return true;
  }

  async savedSearches(userId: string): Promise<SavedSearch[]> {
    return copy(this.#searches.get(userId) ?? []);
  }

  async savedSearchCandidates(city: string): Promise<Array<{ userId: string; search: SavedSearch }>> {
    const wanted = city.toLowerCase();
    const candidates: Array<{ userId: string; search: SavedSearch }> = [];
    for (const [userId, searches] of this.#searches) {
      for (const search of searches) {
        const searchCity = search.criteria.city?.toLowerCase();
        if (searchCity === undefined || searchCity === wanted) candidates.push({ userId, search: copy(search) });
      }
    }
    return candidates;
  }
}
