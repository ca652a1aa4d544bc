import type { Notification, NotificationCommands, NotificationEvents, NotificationPage } from '@sinyal/protocol';
import type { SinyalClient } from '../client';
import type { SinyalError } from '../errors';
import type { PendingCommand } from '../outbox';
import { fetchJson } from '../rest';
import type { Room } from '../room';
import { Subscribable } from '../subscribable';
import { onUserFeed } from '../userFeed';
import { cachedStore } from '../storeCache';

/** `idle` before the first subscriber (or before the server said who the user is), `loading` during the first load. */
export type NotificationsStatus = 'idle' | 'loading' | 'ready' | 'error';

/** The notification center; a new object whenever something changed. */
export interface NotificationsSnapshot {
  status: NotificationsStatus;
  /** Why the last load failed. */
  error: SinyalError | undefined;
  /** Newest first, each id once. */
  items: Notification[];
  /** Unread notifications on the server (also those not loaded). */
  unreadCount: number;
  /** Older notifications can be loaded with `loadMore()`. */
  hasMore: boolean;
}

type FeedEvent = { [Name in keyof NotificationEvents]: { name: Name; data: NotificationEvents[Name] } }[keyof NotificationEvents];
type NotificationClient = SinyalClient<NotificationEvents, NotificationCommands>;

const FEED_EVENTS = ['notification:new', 'notification:batch', 'notification:read', 'notification:unread'] as const;
/** Notifications kept in memory (loaded pages plus live ones). */
const MAX_ITEMS = 500;

function newestFirst(a: Notification, b: Notification): number {
  return b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

/**
 * The signed-in user's notifications: the first page is loaded from
 * `GET /api/notifications` when the user's feed is joined afresh (first subscriber,
 * a reset, a re-join that could not resume); new ones, read marks and the unread count
 * then arrive as events in the feed — replayed after a reconnect, so none is missed.
 * Get it with {@link notificationsStore}.
 */
export class NotificationsStore extends Subscribable {
  readonly #client: NotificationClient;
  readonly #pageSize: number;
  #snapshot: NotificationsSnapshot = { status: 'idle', error: undefined, items: [], unreadCount: 0, hasMore: false };
  /** Feed `notification:unread` events seen, to tell a stale command answer from a fresh count. */
  #unreadEvents = 0;
  #detach: (() => void) | undefined;
  #nextBefore: string | null = null;
  /** Events received while the first page loads, re-applied on top of it (they may be newer than the page). */
  #sinceLoad: FeedEvent[] | undefined;
  #generation = 0;
  #loadingMore = false;

  constructor(client: SinyalClient<object, object>, options: { pageSize?: number } = {}) {
    super();
    this.#client = client as unknown as NotificationClient;
    this.#pageSize = options.pageSize ?? 20;
  }

  getSnapshot(): NotificationsSnapshot {
    return this.#snapshot;
  }

  /** Marks one or more notifications read (shown at once). */
  markRead(ids: string | readonly string[]): PendingCommand<{ unreadCount: number }> {
    const list = typeof ids === 'string' ? [ids] : [...ids];
    const wanted = new Set(list);
    const readAt = this.#client.clock.now();
    let newlyRead = 0;
    const items = this.#snapshot.items.map((item) => {
      if (!wanted.has(item.id) || item.readAt !== undefined) return item;
      newlyRead++;
      return { ...item, readAt };
    });
    if (newlyRead > 0) this.#set({ items, unreadCount: Math.max(0, this.#snapshot.unreadCount - newlyRead) });
    return this.#settle(this.#client.command('notification:mark_read', { ids: list }));
  }

  /** Marks every notification read (shown at once). */
  markAllRead(): PendingCommand<{ unreadCount: number }> {
    const readAt = this.#client.clock.now();
    this.#set({ items: this.#snapshot.items.map((item) => (item.readAt === undefined ? { ...item, readAt } : item)), unreadCount: 0 });
    return this.#settle(this.#client.command('notification:mark_all_read', {}));
  }

  /** Loads the next page of older notifications. */
  async loadMore(): Promise<void> {
    const before = this.#nextBefore;
    if (before === null || this.#loadingMore) return;
    this.#loadingMore = true;
    const generation = this.#generation;
    try {
      const page = await fetchJson<NotificationPage>(this.#client.options, `/api/notifications?limit=${this.#pageSize}&before=${encodeURIComponent(before)}`);
      if (generation !== this.#generation) return; // reloaded meanwhile
      this.#nextBefore = page.nextBefore;
      this.#set({ items: this.#merge(this.#snapshot.items, page.items), hasMore: page.nextBefore !== null });
    } finally {
      this.#loadingMore = false;
    }
  }

  /**
   * The server's answer to a read command is the unread count at that point; the feed's
   * own `notification:unread` counts are newer when they arrive later, so the answer is
   * applied only if none came in the meantime (answers can be delayed behind the server's
   * dedupe bookkeeping).
   */
  #settle(command: PendingCommand<{ unreadCount: number }>): PendingCommand<{ unreadCount: number }> {
    const countsSeen = this.#unreadEvents;
    command.done.then(
      ({ unreadCount }) => countsSeen === this.#unreadEvents && this.#set({ unreadCount }),
      () => void this.#load(),
    );
    return command;
  }

  protected override onSubscribe(): void {
    if (this.listeners.size !== 1 || this.#detach) return;
    this.#detach = onUserFeed(this.#client, (feed: Room<NotificationEvents>) => {
      const offJoined = feed.onJoined(({ resumed }) => void (resumed || this.#load()));
      const offReset = feed.onReset(() => void this.#load());
      const offEvents = FEED_EVENTS.map((name) => feed.on(name, (data) => this.#receive({ name, data } as FeedEvent)));
      // Another store may have joined the feed already: no join answer will come.
      if (feed.getSnapshot().status === 'joined') void this.#load();
      return () => {
        offJoined();
        offReset();
        for (const off of offEvents) off();
      };
    });
  }

  protected override onUnsubscribe(): void {
    if (this.listeners.size > 0) return;
    this.#detach?.();
    this.#detach = undefined;
    this.#generation++;
    this.#sinceLoad = undefined;
    // Items stay for a quick re-subscribe; the next join reloads them.
  }

  async #load(): Promise<void> {
    const generation = ++this.#generation;
    this.#sinceLoad = [];
    if (this.#snapshot.status !== 'ready') this.#set({ status: 'loading', error: undefined });
    try {
      const page = await fetchJson<NotificationPage>(this.#client.options, `/api/notifications?limit=${this.#pageSize}`);
      if (generation !== this.#generation) return;
      const replay = this.#sinceLoad;
      this.#sinceLoad = undefined;
      this.#nextBefore = page.nextBefore;
      this.#snapshot = { status: 'ready', error: undefined, items: page.items, unreadCount: page.unreadCount, hasMore: page.nextBefore !== null };
      for (const event of replay) this.#apply(event);
      this.notify();
    } catch (error) {
      if (generation !== this.#generation) return;
      this.#sinceLoad = undefined;
      this.#set({ status: 'error', error: error as SinyalError });
    }
  }

  #receive(event: FeedEvent): void {
    this.#sinceLoad?.push(event);
    this.#apply(event);
    this.notify();
  }

  /** Applies one feed event to the snapshot (idempotent: items are keyed by id, counts are absolute). */
  #apply(event: FeedEvent): void {
    const current = this.#snapshot;
    switch (event.name) {
      case 'notification:new':
        this.#snapshot = { ...current, items: this.#merge(current.items, [event.data]) };
        return;
      case 'notification:batch':
        this.#snapshot = { ...current, items: this.#merge(current.items, event.data.items) };
        return;
      case 'notification:unread':
        this.#unreadEvents++;
        this.#snapshot = { ...current, unreadCount: event.data.count };
        return;
      case 'notification:read': {
        const { ids, all, readAt } = event.data;
        const wanted = ids && new Set(ids);
        const items = current.items.map((item) => (item.readAt === undefined && (all || wanted?.has(item.id)) ? { ...item, readAt } : item));
        this.#snapshot = { ...current, items };
        return;
      }
    }
  }

  #merge(items: Notification[], incoming: readonly Notification[]): Notification[] {
    const byId = new Map(items.map((item) => [item.id, item]));
    for (const item of incoming) {
      const known = byId.get(item.id);
      // A read mark seen locally wins over an older copy without it.
      byId.set(item.id, known?.readAt !== undefined && item.readAt === undefined ? { ...item, readAt: known.readAt } : item);
    }
    return [...byId.values()].sort(newestFirst).slice(0, MAX_ITEMS);
  }

  #set(patch: Partial<NotificationsSnapshot>): void {
    this.#snapshot = { ...this.#snapshot, ...patch };
    this.notify();
  }
}

const stores = new WeakMap<object, Map<string, NotificationsStore>>();

/**
 * The signed-in user's notifications, one shared store per client (`options` apply
 * when it is first created).
 *
 * @example
 * ```ts
 * const notifications = notificationsStore(client);
 * notifications.subscribe(() => {
 *   const { items, unreadCount } = notifications.getSnapshot();
 *   renderBell(unreadCount, items);
 * });
 * notifications.markRead(items[0].id);
 * ```
 */
export function notificationsStore(client: SinyalClient<object, object>, options?: { pageSize?: number }): NotificationsStore {
  return cachedStore(stores, client, '', () => new NotificationsStore(client, options));
}
