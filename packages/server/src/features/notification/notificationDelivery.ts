import { randomBytes } from 'node:crypto';
import {
  NotificationInputSchema,
  type Notification,
  type NotificationInput,
  type NotificationPreferences,
} from '@sinyal/protocol/schema';
import { SinyalServerError } from '../../errors';
import type { SinyalServer } from '../../api/server';
import { KeyedQueue } from '../../store/keyedQueue';
import { quietHoursEnd } from './quietHours';
import { nextWindowStart, type RateWindow } from './rateWindows';
import type { DeliveryLane, HeldLane, NotificationStore } from './store';

/** What {@link NotificationDelivery} needs. */
export interface NotificationDeliveryDeps {
  store: NotificationStore;
  server: () => SinyalServer | undefined;
  now: () => number;
  batchWindowMs: number;
  digestIntervalMs: number;
  /** Empty: no rate limit. */
  windows: readonly RateWindow[];
  defaultPreferences: NotificationPreferences;
  maxInbox: number;
  onError: (error: unknown, context: { userId?: string; stage: string }) => void;
  /** Told of every delivery once it is in the user's feed (Web Push sends to users who are away). Must not throw. */
  onDelivered?: (userId: string, items: readonly Notification[], reason: 'new' | DeliveryLane) => void;
}

/**
 * What became of a notification: `delivered` at once, `held` in a lane until `dueAt`, or
 * `scheduled` for `dueAt` under `key` (`notify(userId, input, { at, key })`).
 */
export type NotifyOutcome = { notification: Notification; delivery: 'delivered' | 'held' | 'scheduled'; dueAt?: number; key?: string };

const USER_ID = /^.{1,128}$/s;

/** How long a lane whose delivery failed (store or fan-out down) waits before the next attempt. */
const RETRY_AFTER_FAILURE_MS = 5_000;

/**
 * The delivery rules. `instant` notifications go to the user's feed at once; `batched`
 * and `digest` ones are held in a lane that is due a window after its first item. On
 * each tick, due lanes are released through the gate: during the user's quiet hours
 * the whole lane is deferred to their end; otherwise the rate limit grants what it can
 * and the rest is deferred to the next window. Nothing is ever dropped.
 *
 * Everything that writes one user's feed (deliveries, read marks) runs one at a time
 * per user, so `notification:new` / `batch` / `read` / `unread` events are in the same
 * order as the inbox changes they describe.
 */
export class NotificationDelivery {
  /** Serialises each user's inbox changes and the events describing them. */
  readonly users = new KeyedQueue();
  #ticking = false;
  #counter = 0;

  constructor(private readonly deps: NotificationDeliveryDeps) {}

  /**
   * Ids sort like creation order (time, then a per-process counter), so notifications
   * created in the same millisecond still list newest first; the random tail keeps ids
   * from different nodes apart.
   */
  #newId(createdAt: number): string {
    this.#counter = (this.#counter + 1) % 36 ** 4;
    return `${createdAt.toString(36).padStart(9, '0')}${this.#counter.toString(36).padStart(4, '0')}${randomBytes(5).toString('hex')}`;
  }

  /** The running server, or `unavailable`. */
  server(): SinyalServer {
    const server = this.deps.server();
    if (!server) throw new SinyalServerError('unavailable', 'the notification feature has not started: pass it to createServer({ features })');
    return server;
  }

  async preferences(userId: string): Promise<NotificationPreferences> {
    return (await this.deps.store.getPreferences(userId)) ?? this.deps.defaultPreferences;
  }

  /** Validates `input`, then delivers it (instant) or holds it (batched, digest). */
  async notify(userId: string, input: NotificationInput): Promise<NotifyOutcome> {
    const notification = this.create(userId, input, this.deps.now());
    return this.dispatch(userId, notification);
  }

  /**
   * Validates `userId` and `input` (`bad_request`) and makes the notification, created at
   * `createdAt`; nothing is stored or sent.
   */
  create(userId: string, input: NotificationInput, createdAt: number): Notification {
    if (typeof userId !== 'string' || !USER_ID.test(userId)) throw new SinyalServerError('bad_request', 'userId must be a string of 1-128 characters');
    const parsed = NotificationInputSchema.safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new SinyalServerError('bad_request', `${issue?.path.join('.') || 'notification'}: ${issue?.message ?? 'invalid'}`);
    }
    const { data, ...fields } = parsed.data;
    return { id: this.#newId(createdAt), ...fields, ...(data === undefined ? {} : { data }), createdAt };
  }

  /**
   * Sends a notification made by {@link create} down the delivery path: an `instant` one
   * to the user's feed at once, a `batched` / `digest` one into its lane, due a window after
   * now (or sooner, with the lane's earlier items).
   */
  async dispatch(userId: string, notification: Notification): Promise<NotifyOutcome> {
    const server = this.server();
    if (notification.priority === 'instant') {
      await this.users.run(userId, async () => {
        if (this.deps.windows.length > 0) await this.deps.store.consumeQuota(userId, 1, this.deps.windows, this.deps.now(), true);
        await this.#deliver(server, userId, [notification], 'new');
      });
      return { notification, delivery: 'delivered' };
    }
    const lane: DeliveryLane = notification.priority;
    const wait = lane === 'batched' ? this.deps.batchWindowMs : this.deps.digestIntervalMs;
    const dueAt = await this.deps.store.hold(userId, lane, [notification], this.deps.now() + wait);
    return { notification, delivery: 'held', dueAt };
  }

  /** Releases every lane that is due. Runs once at a time; a tick that finds the last one still running does nothing. */
  async tick(): Promise<void> {
    if (this.#ticking) return;
    this.#ticking = true;
    try {
      const server = this.deps.server();
      if (!server) return;
      const due = await this.deps.store.takeDue(this.deps.now());
      await Promise.all(due.map((held) => this.users.run(held.userId, () => this.#release(server, held))));
    } catch (error) {
      this.deps.onError(error, { stage: 'tick' });
    } finally {
      this.#ticking = false;
    }
  }

  async #release(server: SinyalServer, held: HeldLane): Promise<void> {
    const { store } = this.deps;
    const { userId, items } = held;
    let saved = false;
    try {
      const now = this.deps.now();
      const quietUntil = quietHoursEnd(await this.preferences(userId), now);
      if (quietUntil !== undefined) {
        await store.hold(userId, 'deferred', items, quietUntil);
        return;
      }
      const granted = this.deps.windows.length === 0 ? items.length : await store.consumeQuota(userId, items.length, this.deps.windows, now, false);
      const rest = items.slice(granted);
      if (rest.length > 0) await store.hold(userId, 'deferred', rest, nextWindowStart(this.deps.windows, now));
      if (granted === 0) return;
      const batch = items.slice(0, granted);
      await store.saveDelivered(userId, batch, this.deps.maxInbox);
      saved = true;
      await this.#announce(server, userId, batch, held.lane);
    } catch (error) {
      this.deps.onError(error, { userId, stage: 'release' });
      // Not in the inbox yet: hold them for another attempt rather than lose them. (Once
      // saved they are not re-sent: the inbox, fetched after a reconnect, has them.)
      if (!saved) await store.hold(userId, held.lane, items, this.deps.now() + RETRY_AFTER_FAILURE_MS).catch((err: unknown) => this.deps.onError(err, { userId, stage: 'release' }));
    }
  }

  /** Puts notifications in the inbox and announces them. Call under `users.run`. */
  async #deliver(server: SinyalServer, userId: string, items: Notification[], reason: 'new' | DeliveryLane): Promise<void> {
    await this.deps.store.saveDelivered(userId, items, this.deps.maxInbox);
    await this.#announce(server, userId, items, reason);
  }

  /** Announces delivered notifications, then the new unread count, in the user's feed. */
  async #announce(server: SinyalServer, userId: string, items: Notification[], reason: 'new' | DeliveryLane): Promise<void> {
    if (reason === 'new') await server.publishToUser(userId, 'notification:new', items[0]);
    else await server.publishToUser(userId, 'notification:batch', { items, reason });
    await server.publishToUser(userId, 'notification:unread', { count: await this.deps.store.unreadCount(userId) });
    this.deps.onDelivered?.(userId, items, reason);
  }

  /** Marks notifications read and announces it; unknown or already read ids are ignored. */
  markRead(userId: string, ids: readonly string[]): Promise<{ unreadCount: number }> {
    const server = this.server();
    return this.users.run(userId, async () => {
      const readAt = this.deps.now();
      const changed = await this.deps.store.markRead(userId, ids, readAt);
      const unreadCount = await this.deps.store.unreadCount(userId);
      if (changed.length > 0) {
        await server.publishToUser(userId, 'notification:read', { ids: changed, readAt });
        await server.publishToUser(userId, 'notification:unread', { count: unreadCount });
      }
      return { unreadCount };
    });
  }

  /** Marks every delivered notification read and announces it. */
  markAllRead(userId: string): Promise<{ unreadCount: number }> {
    const server = this.server();
    return this.users.run(userId, async () => {
      const readAt = this.deps.now();
      const changed = await this.deps.store.markAllRead(userId, readAt);
      const unreadCount = await this.deps.store.unreadCount(userId);
      if (changed > 0) {
        await server.publishToUser(userId, 'notification:read', { all: true, readAt });
        await server.publishToUser(userId, 'notification:unread', { count: unreadCount });
      }
      return { unreadCount };
    });
  }
}
